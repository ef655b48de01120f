import re
from django.urls import reverse
from tests.accounts.test_admin_customers import ops, operator, carol, upstream  # noqa
import pytest
pytestmark = pytest.mark.django_db
def test_x(ops, carol):
    html = ops.get(reverse("admin:accounts_user_change", args=[carol.pk])).content.decode()
    print("FOUND", re.findall(r'.{20}_FORMS.{40}', html, re.I))
