"""API tokens in the admin: made for a user, shown once, kept hashed, revoked by action."""

import re

import pytest

from ledfxsite.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_token_made_in_the_admin_is_shown_once_and_kept_hashed(admin_client, admin_user):
    page = admin_client.post("/admin/ledfxsite/apitoken/add/", {"user": admin_user.pk, "name": "Home Assistant"}, follow=True)
    shown = re.findall(r"lfx_[A-Za-z0-9_-]{40,}", page.content.decode())
    assert len(shown) == 1
    token = ApiToken.objects.get()
    assert ApiToken.objects.user_of(shown[0]) == admin_user
    assert shown[0] not in (token.lookup, token.hashed) and token.lookup == shown[0][:12]
    assert "lfx_" not in admin_client.get(f"/admin/ledfxsite/apitoken/{token.pk}/change/").content.decode().replace(token.lookup, "")


def test_revoking_a_token_in_the_admin(admin_client, admin_user):
    token = ApiToken(user=admin_user, name="script")
    secret = token.issue()
    token.save()
    admin_client.post("/admin/ledfxsite/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert ApiToken.objects.user_of(secret) is None
    token.refresh_from_db()
    assert token.revoked_at is not None
