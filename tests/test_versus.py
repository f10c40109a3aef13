"""You vs model: the round (the default model's hardest test images and a few it reads clearly), the scores
against an independent count, the answers kept in the run store, and the page answered with its buttons."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from class_server.registry import Registry
from mnist_core.data import load_mnist
from mnist_core.errors import RegistryError
from mnist_core.evaluation import evaluate, evaluate_model
from mnist_core.inference import Predictor
from mnist_core.paths import DEFAULT_MODEL
from mnist_core.versus import EASY_CONFIDENCE, HARD_POOL, ROUND_SIZE, choose_round, class_result, score

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "versus.py")


@pytest.fixture(scope="module")
def evaluation():
    """The default model on the 10,000 test images (about 99.5% right: some 50 mistakes)."""
    data = load_mnist()
    return evaluate_model(Predictor.from_file(DEFAULT_MODEL).model, data.x_test, data.y_test)


def right_digit_probability(evaluation) -> np.ndarray:
    return np.array([row[label] for row, label in zip(evaluation.probabilities, evaluation.labels, strict=True)])


def test_a_round_is_the_models_least_sure_or_wrong_images_and_a_few_it_reads_clearly(evaluation):
    round_ = choose_round(evaluation, seed=0)
    assert len(round_) == ROUND_SIZE == len(set(round_.indices))
    assert round_.hard | round_.easy == set(round_.indices) and not round_.hard & round_.easy
    assert len(round_.easy) == 4

    sure = right_digit_probability(evaluation)
    cutoff = np.sort(sure)[HARD_POOL - 1]  # the pool's least sure: the model's HARD_POOL hardest images
    hard = sorted(round_.hard)
    assert all(sure[i] <= cutoff for i in hard)
    assert cutoff < 0.9  # hard means the model is far from sure of the right digit, or wrong
    wrong = int((evaluation.predicted[hard] != evaluation.labels[hard]).sum())
    assert wrong >= len(hard) // 2, f"only {wrong} of the hard images are the model's mistakes"
    for i in round_.easy:
        assert evaluation.predicted[i] == evaluation.labels[i] and evaluation.confidence[i] >= EASY_CONFIDENCE
    # The easy ones are mixed in, not all at the end.
    assert any(round_.indices.index(i) < ROUND_SIZE - 4 for i in round_.easy)


def test_a_round_is_the_same_for_the_same_model_and_seed_and_another_for_another_seed(evaluation):
    assert choose_round(evaluation, seed=0) == choose_round(evaluation, seed=0)
    assert choose_round(evaluation, seed=1).indices != choose_round(evaluation, seed=0).indices


def test_a_model_sure_of_nothing_still_gets_a_whole_round_with_easy_ones_it_reads_rightly():
    labels = load_mnist().y_test
    probabilities = np.random.default_rng(3).dirichlet(np.ones(10), size=len(labels))  # an untrained model's
    guesses = evaluate(probabilities, labels)
    assert guesses.confidence.max() < EASY_CONFIDENCE
    round_ = choose_round(guesses)
    assert len(set(round_.indices)) == ROUND_SIZE and len(round_.easy) == 4
    assert all(guesses.predicted[i] == labels[i] for i in round_.easy)


def test_the_score_matches_a_count_by_hand(evaluation):
    round_ = choose_round(evaluation, seed=0)
    rng = np.random.default_rng(7)
    labels, predicted = evaluation.labels, evaluation.predicted
    # Right about two times in three, otherwise a random digit (sometimes the model's answer).
    answers = {i: int(labels[i]) if rng.random() < 0.66 else int(rng.integers(10)) for i in round_.indices}
    result = score(round_, answers, predicted, labels)

    index = np.array(round_.indices)
    given = np.array([answers[i] for i in index])
    assert result.answered == 20
    assert result.student_accuracy == pytest.approx(np.mean(given == labels[index]))
    assert result.model_accuracy == pytest.approx(np.mean(predicted[index] == labels[index]))
    differ = index[given != predicted[index]]
    assert [case.index for case in result.disagreements] == differ.tolist()
    for case in result.disagreements:
        assert (case.student, case.model, case.label) == (
            answers[case.index],
            predicted[case.index],
            labels[case.index],
        )

    half = dict(list(answers.items())[:10])  # a round half done is scored on the images answered
    assert score(round_, half, predicted, labels).answered == 10
    assert score(round_, {}, predicted, labels).answered == 0


def test_the_class_result_counts_only_students_who_finished(evaluation):
    round_ = choose_round(evaluation, seed=0)
    labels, predicted = evaluation.labels, evaluation.predicted
    perfect = {i: int(labels[i]) for i in round_.indices}
    as_model = {i: int(predicted[i]) for i in round_.indices}
    first = next(i for i in round_.indices if predicted[i] != labels[i])  # wrong for the model and for c
    one_off = {**perfect, first: (int(labels[first]) + 1) % 10}
    half_done = {i: 0 for i in round_.indices[:10]}
    result = class_result(round_, {"a": perfect, "b": as_model, "c": one_off, "d": half_done}, predicted, labels)

    model = float(np.mean(predicted[list(round_.indices)] == labels[list(round_.indices)]))
    assert result.finished == 3
    assert result.model_accuracy == pytest.approx(model)
    assert result.class_accuracy == pytest.approx(sorted([1.0, model, 0.95])[1])
    assert result.hardest[0].index == first and result.hardest[0].wrong == 2  # b and c
    assert all(case.answered == 3 and case.wrong >= 1 for case in result.hardest)
    assert class_result(round_, {"d": half_done}, predicted, labels).class_accuracy is None


def test_answers_survive_a_new_registry_on_the_same_folder_and_bad_ones_are_refused(tmp_path):
    allowed = (5, 17, 42)
    Registry(tmp_path).save_versus_answer("ada", "models/a.keras", 17, 3, allowed)
    Registry(tmp_path).save_versus_answer("ada", "models/a.keras", 17, 4, allowed)  # a second answer replaces it
    Registry(tmp_path).save_versus_answer("bo", "models/a.keras", 5, np.int64(0), allowed)
    Registry(tmp_path).save_versus_answer("ada", "models/b.keras", 42, 9, allowed)

    again = Registry(tmp_path)
    assert again.versus_answers("models/a.keras") == {"ada": {17: 4}, "bo": {5: 0}}
    assert again.versus_answers("models/a.keras", owner="bo") == {"bo": {5: 0}}
    assert again.versus_models() == {"models/a.keras": 2, "models/b.keras": 1}

    for answer in (10, -1, "3", 3.0, True, None):
        with pytest.raises(RegistryError, match="digit from 0 to 9"):
            again.save_versus_answer("ada", "models/a.keras", 5, answer, allowed)
    for index in (6, -5, "5", 5.0, 10**9):
        with pytest.raises(RegistryError, match="not one of this round's images"):
            again.save_versus_answer("ada", "models/a.keras", index, 1, allowed)
    assert again.versus_answers("models/a.keras") == {"ada": {17: 4}, "bo": {5: 0}}

    again.clear_versus_answers("ada", "models/a.keras")
    assert Registry(tmp_path).versus_answers("models/a.keras") == {"bo": {5: 0}}
    assert Registry(tmp_path).versus_answers("models/b.keras") == {"ada": {42: 9}}


@pytest.fixture
def store(page_store):
    return page_store


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_the_page_answered_with_its_buttons_shows_the_scores_of_an_independent_count(store, evaluation):
    round_ = choose_round(evaluation, seed=0)
    labels, predicted = evaluation.labels, evaluation.predicted
    # Right on the even places, the label plus one on the odd ones.
    plan = {
        i: int(labels[i]) if place % 2 == 0 else (int(labels[i]) + 1) % 10 for place, i in enumerate(round_.indices)
    }

    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    for place, index in enumerate(round_.indices):
        assert f"**{place + 1} of 20**" in at.get("progress")[0].proto.text
        at.button(key=f"versus_digit_{plan[index]}").click().run()
        assert not at.exception
    assert not at.get("progress")  # the round is over: the result instead

    index = np.array(round_.indices)
    given = np.array([plan[i] for i in index])
    assert metric(at, "You") == f"{np.mean(given == labels[index]):.0%}" == "50%"
    assert metric(at, "The model") == f"{np.mean(predicted[index] == labels[index]):.0%}"
    model_right = int((predicted[index] == labels[index]).sum())
    assert f"You read **10** of the 20 digits as MNIST labels them, the model **{model_right}**." in [
        m.value for m in at.markdown
    ]
    disagree = int((given != predicted[index]).sum())
    assert any(f"Where you and the model disagree** ({disagree})" in m.value for m in at.markdown)
    kept = store.versus_answers(str(DEFAULT_MODEL))
    assert list(kept.values()) == [plan]

    at.button(key="versus_start_again").click().run()
    assert "**1 of 20**" in at.get("progress")[0].proto.text
    assert store.versus_answers(str(DEFAULT_MODEL)) == {}


def test_the_class_board_shows_the_finished_rounds_against_the_model(store, evaluation):
    round_ = choose_round(evaluation, seed=0)
    labels, predicted = evaluation.labels, evaluation.predicted
    model = str(DEFAULT_MODEL)
    students = {
        "ada": {i: int(labels[i]) for i in round_.indices},  # all right
        "bo": {i: int(predicted[i]) for i in round_.indices},  # as the model
        "cy": {i: 0 for i in round_.indices[:5]},  # not finished: left out
    }
    for student, answers in students.items():
        for index, answer in answers.items():
            store.save_versus_answer(student, model, index, answer, round_.indices)

    at = AppTest.from_file(str(Path(PAGE).parent / "board.py"), default_timeout=120).run()
    assert not at.exception
    index = list(round_.indices)
    model_accuracy = float(np.mean(predicted[index] == labels[index]))
    assert metric(at, "Students finished") == "2"
    assert metric(at, "The class (median)") == f"{(1.0 + model_accuracy) / 2:.0%}"
    assert metric(at, "The model") == f"{model_accuracy:.0%}"
    captions = list(at.image[-1].captions)
    assert len(captions) == 6 and all(caption.startswith("1 of 2 wrong · label ") for caption in captions)
    # Every one is an image Ada read right, so Bo, who answered as the model, and the model read it wrongly.
    for caption, case in zip(captions, class_result(round_, students, predicted, labels).hardest, strict=True):
        assert caption == f"1 of 2 wrong · label {labels[case.index]} · model {predicted[case.index]}"
        assert predicted[case.index] != labels[case.index]
