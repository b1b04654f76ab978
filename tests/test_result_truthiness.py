"""`if sg.check(answer, key):` accepts right answers only (issue 17)."""

import pytest

import symgrad as sg


@pytest.mark.parametrize(
    ("answer", "key", "status"),
    [("2*x", "2*x", "correct"), ("x^2", "2*x", "incorrect"), ("2*x +", "2*x", "invalid"), ("", "2*x", "invalid")],
)
def test_check_result_is_true_only_when_correct(answer, key, status):
    result = sg.check(answer, key, variables="x")
    assert result.status == status
    assert bool(result) is (status == "correct")


def test_wrong_answer_does_not_pass_an_if():
    accepted = "yes" if sg.check("x^2", "2*x") else "no"
    assert accepted == "no"
