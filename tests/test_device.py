"""Which device a browser is on (ui/device.py): a class network's address, except where addresses are shared."""

import socket

import pytest

from ui.device import behind_proxy, device_of, is_this_machine


@pytest.mark.parametrize("address", ["192.168.1.23", "10.0.0.7", "2001:db8::17"])
def test_a_class_networks_address_is_the_device(address):
    assert device_of(address, proxied=False) == address


@pytest.mark.parametrize("address", [None, "", "127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_localhost_and_loopback_count_per_browser(address):
    assert device_of(address, proxied=False) is None


def test_this_machines_own_address_counts_per_browser():
    """The teacher's browser on the server itself, opened at the address the students use."""
    own = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    assert own and all(is_this_machine(address) for address in own)
    assert all(device_of(address, proxied=False) is None for address in own)


def test_behind_a_proxy_every_address_counts_per_browser():
    assert device_of("192.168.1.23", proxied=True) is None


@pytest.mark.parametrize(
    "setting, expected",
    [("1", True), ("true", True), ("Yes", True), (" on ", True), ("0", False), ("", False), (None, False)],
)
def test_the_proxy_setting(setting, expected):
    assert behind_proxy(setting) is expected


def test_an_address_that_is_not_one_is_no_machine_of_ours():
    assert not is_this_machine("not an address")
