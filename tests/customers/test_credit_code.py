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


@pytest.mark.django_db
def test_a22_customer_types_and_groups(customer_factory):
    """A2.2: the five customer types; a customer may belong to a group; an unknown type is refused."""
    from kam.core.errors import ApplicationError
    from kam.customers.models import CustomerType
    from kam.customers.services import customer_create

    assert set(CustomerType.values) == {"real_estate", "hotel", "dealer", "institution", "other"}
    parent = customer_factory("集团总部", customer_type="hotel")
    member = customer_factory("集团佛山店", customer_type="hotel", parent=parent)
    assert member.parent == parent and list(parent.members.all()) == [member]
    with pytest.raises(ApplicationError) as exc:
        customer_create(actor=None, name="x", credit_code=make_credit_code("91440600000000077"), customer_type="bank")
    assert exc.value.field == "customer_type"
