"""Which device a browser is on, for the class's shares: its network address, when that tells devices apart.

On a class network each device has its own address, and a private window or a cleared cookie does not
change it, so a student's runs and passcode tries are counted per address as well as per browser. Two
cases count per browser only: a server behind a proxy (every student arrives from the proxy's address,
``MNIST_STUDIO_BEHIND_PROXY=1``), and connections from the server's own machine (the teacher's own
browser, a class simulated from one machine in tests), where every browser shares the address.
"""

from __future__ import annotations

import ipaddress
import socket

BEHIND_PROXY_VALUES = {"1", "true", "yes", "on"}


def behind_proxy(setting: str | None) -> bool:
    """``MNIST_STUDIO_BEHIND_PROXY``'s value: on for 1, true, yes or on."""
    return (setting or "").strip().lower() in BEHIND_PROXY_VALUES


def device_of(address: str | None, proxied: bool) -> str | None:
    """The device key for a connection from ``address``, or None to count per browser only."""
    if proxied or not address or is_this_machine(address):
        return None
    return address


def is_this_machine(address: str) -> bool:
    """A loopback address, or one of this machine's own (its LAN address, typed into its own browser).

    A socket can be bound only to an address of this machine, which answers for every interface
    without listing them.
    """
    try:
        ip = ipaddress.ip_address(address.split("%")[0])  # an IPv6 zone ("%eth0") is not part of the address
    except ValueError:
        return False
    ip = getattr(ip, "ipv4_mapped", None) or ip
    if ip.is_loopback:
        return True
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((str(ip), 0))
    except OSError:
        return False
    return True
