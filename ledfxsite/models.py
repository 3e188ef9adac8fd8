"""API tokens: how scripts and integrations authenticate when AUTH_REQUIRED is on
(ledfxsite.access). A token is shown once, when it is made; only its hash is kept."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import IntegrityError, models
from django.utils import timezone

TOKEN_PREFIX = "lfx_"
LOOKUP_LENGTH = 12  # the start of a token, kept in clear to find its row


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def user_of(self, token):
        """The user a token authenticates, or None (unknown, revoked, or its user inactive)."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            return None
        for candidate in self.filter(lookup=token[:LOOKUP_LENGTH], revoked_at=None).select_related("user"):
            if hmac.compare_digest(candidate.hashed, token_hash(token)) and candidate.user.is_active:
                candidate.used()
                return candidate.user
        return None


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses it, e.g. Home Assistant")
    lookup = models.CharField(max_length=LOOKUP_LENGTH, db_index=True, editable=False)
    hashed = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"
        # The permission to change things (effects, devices, scenes, settings) when
        # AUTH_REQUIRED is on; users without it may watch (previews, diagnostics) only.
        permissions = [("control", "Can change effects, devices, scenes and settings")]

    def __str__(self):
        return f"{self.name} ({self.lookup}…)"

    def issue(self):
        """Give the token its secret; returns it, to be shown once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.lookup, self.hashed = token[:LOOKUP_LENGTH], token_hash(token)
        return token

    def used(self):
        """Record the use, at most once a minute per token (not a write per request)."""
        now = timezone.now()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() >= 60:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now

    def revoke(self):
        ApiToken.objects.filter(pk=self.pk, revoked_at=None).update(revoked_at=timezone.now())


WEB_AUDIO_HOST_API = "WEB AUDIO"


def device_name(client_name):
    """A web-audio client's input device name, as LedFx lists it."""
    return f"{WEB_AUDIO_HOST_API}: {client_name}"


class WebAudioStreamQuerySet(models.QuerySet):
    def start(self, *, client_id, name):
        """Record a client's stream; False when another connected client streams under that name."""
        try:
            self.update_or_create(client_id=client_id, defaults={"name": name})
        except IntegrityError:
            return False
        return True

    def device_names(self):
        """The streams' input device names, oldest first."""
        return [device_name(name) for name in self.order_by("id").values_list("name", flat=True)]


class WebAudioStream(models.Model):
    """A websocket client streaming its microphone (audio_stream_start), on some server
    process: an input device LedFx's UI can select. Deleted when it stops or its client
    leaves; the client registry's sweep deletes those of connections that are gone."""

    client_id = models.CharField(max_length=36, unique=True)
    name = models.CharField(max_length=200, unique=True)
    started_at = models.DateTimeField(default=timezone.now)

    objects = WebAudioStreamQuerySet.as_manager()

    class Meta:
        verbose_name = "web audio stream"

    def __str__(self):
        return self.name
