"""The class's saved drawings in the store: the cap per student, listing and filtering, and who may delete."""

import threading

import numpy as np
import pytest

from class_server.drawing_cap import DEFAULT_DRAWINGS_PER_STUDENT, SETTING, drawings_per_student
from class_server.drawing_store import DrawingFilter
from class_server.registry import Registry
from mnist_core.errors import DrawingLimitError, RegistryError


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path)


def image(value: int) -> np.ndarray:
    """A 28x28 drawing told apart from the others by its top-left pixel."""
    picture = np.zeros((28, 28), np.uint8)
    picture[0, 0] = value
    return picture


def save(registry, owner, labels, limit=None) -> list[int]:
    return [registry.add_drawing(label, image(i), None, owner=owner, limit=limit) for i, label in enumerate(labels)]


def test_a_student_at_the_cap_is_refused_plainly_and_others_still_save(registry):
    save(registry, "alice", [1, 2, 3], limit=3)
    with pytest.raises(DrawingLimitError) as refused:
        registry.add_drawing(4, image(9), None, owner="alice", limit=3)
    assert str(refused.value) == (
        "You have already saved 3 drawings, the most one student may keep, so this one was not saved. "
        "Delete some of yours on the Our digits page to make room."
    )
    assert registry.drawing_count(DrawingFilter(owner="alice")) == 3
    save(registry, "bob", [4], limit=3)  # the cap is per student
    registry.add_drawing(5, image(10), None, owner="teacher")  # no limit: the teacher's
    assert registry.drawing_count() == 5


def test_deleting_one_makes_room_under_the_cap(registry):
    first, *_ = save(registry, "alice", [1, 2], limit=2)
    with pytest.raises(DrawingLimitError):
        registry.add_drawing(3, image(7), None, owner="alice", limit=2)
    assert registry.delete_drawings([first], by="alice") == 1
    registry.add_drawing(3, image(7), None, owner="alice", limit=2)
    assert [d.label for d in registry.saved_drawings(DrawingFilter(owner="alice"))] == [3, 2]


def test_two_tabs_saving_at_once_cannot_pass_the_cap(registry):
    save(registry, "alice", range(9), limit=10)
    results = []

    def one_more(i):
        try:
            results.append(registry.add_drawing(1, image(50 + i), None, owner="alice", limit=10))
        except DrawingLimitError:
            results.append("refused")

    threads = [threading.Thread(target=one_more, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("refused") == 5
    assert registry.drawing_count(DrawingFilter(owner="alice")) == 10


def test_drawings_are_listed_newest_first_filtered_and_paged(registry):
    save(registry, "alice", [3, 7, 3])
    save(registry, "bob", [7, 7])
    listed = registry.saved_drawings()
    assert [(d.owner, d.label) for d in listed] == [("bob", 7), ("bob", 7), ("alice", 3), ("alice", 7), ("alice", 3)]
    assert listed[2].image.shape == (28, 28) and listed[2].image.dtype == np.uint8 and listed[2].image[0, 0] == 2
    sevens = DrawingFilter(label=7)
    assert registry.drawing_count(sevens) == 3
    assert [d.owner for d in registry.saved_drawings(sevens)] == ["bob", "bob", "alice"]
    assert [d.label for d in registry.saved_drawings(DrawingFilter(label=3, owner="alice"))] == [3, 3]
    assert registry.drawing_count(DrawingFilter(label=0)) == 0
    assert [d.id for d in registry.saved_drawings(limit=2, offset=2)] == [d.id for d in listed[2:4]]
    assert registry.drawing_owners() == {"alice": 3, "bob": 2}


def test_a_student_deletes_their_own_and_it_is_gone_from_training(registry):
    kept, poisoned = save(registry, "alice", [3, 7])
    assert registry.delete_drawings([poisoned], by="alice") == 1
    images, labels = registry.drawings()  # what a run on our digits trains on
    assert labels.tolist() == [3] and images[0, 0, 0] == 0
    assert [d.id for d in registry.saved_drawings()] == [kept]
    assert registry.delete_drawings([poisoned], by="alice") == 0  # deleted already, from another tab


def test_a_student_cannot_delete_anothers_drawings_but_the_teacher_can(registry):
    (alices,) = save(registry, "alice", [3])
    (bobs,) = save(registry, "bob", [7])
    with pytest.raises(RegistryError, match="Only whoever saved a drawing, or the teacher, can delete it"):
        registry.delete_drawings([bobs, alices], by="alice")
    assert registry.drawing_count() == 2  # all or nothing: not even her own went
    assert registry.delete_drawings([bobs, alices], by="teacher", teacher=True) == 2
    assert registry.drawing_count() == 0


def test_drawings_saved_by_nobody_known_only_the_teacher_deletes(registry):
    drawing = registry.add_drawing(1, image(1), None)
    with pytest.raises(RegistryError):
        registry.delete_drawings([drawing], by=None)
    assert registry.delete_drawings([drawing], by=None, teacher=True) == 1


@pytest.mark.parametrize("value, expected", [(None, 200), ("50", 50), ("1", 1), ("0", 200), ("-3", 200), ("many", 200)])
def test_the_cap_setting(monkeypatch, value, expected):
    assert DEFAULT_DRAWINGS_PER_STUDENT == 200
    if value is None:
        monkeypatch.delenv(SETTING, raising=False)
    else:
        monkeypatch.setenv(SETTING, value)
    assert drawings_per_student() == expected
