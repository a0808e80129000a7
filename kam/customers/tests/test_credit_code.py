import pytest

from kam.customers.validators import credit_code_error, make_credit_code


def test_known_valid_codes():
    # published codes (check digit per GB 32100-2015)
    assert credit_code_error("91350100M000100Y43") is None
    assert credit_code_error("91440300708461136T") is None


def test_wrong_check_digit_is_refused_with_the_expected_char():
    msg = credit_code_error("91350100M000100Y44")
    assert msg is not None and "校验位" in msg and "3" in msg


@pytest.mark.parametrize("code", ["", "123", "91350100M000100Y4", "91350100M000100Y433"])
def test_wrong_length_refused(code):
    assert "18" in credit_code_error(code)


def test_forbidden_letters_refused():
    assert "I" in credit_code_error("91350100I000100Y43")


def test_lowercase_is_normalised():
    assert credit_code_error("91350100m000100y43") is None


def test_make_credit_code_round_trip():
    code = make_credit_code("91440600000000001")
    assert len(code) == 18 and credit_code_error(code) is None
