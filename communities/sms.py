"""Text messages to mobile numbers: the codes residents sign up and sign in with.

`send_sms(number, template_key, params)` is the one way out. settings.SMS_BACKEND picks where a
text goes: the console in development and tests (printed, and kept in `outbox` the way Django's
locmem backend keeps mail), Tencent Cloud SMS in production. Every text is first counted against
settings.SMS_RATE_LIMITS, per number and per sender's network: a text costs money and wakes
someone's phone, so nobody may make the site text a number again and again.
"""

import logging
import math
import sys
import time
from dataclasses import dataclass, field
from hashlib import sha256

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsTemplate:
    """One kind of text. The console shows `text` in the reader's language; a provider sends
    the wording of its own approved template, filled with `params` in this order ({1}, {2}…)."""

    text: str
    params: tuple[str, ...] = ()


TEMPLATES = {
    "code": SmsTemplate(
        _(
            "Your verification code is %(code)s. It is valid for %(minutes)s minutes. "
            "Do not tell it to anyone, not even staff."
        ),
        ("code", "minutes"),
    ),  # fmt: skip
    # Someone signed up with a number that already has an account (allauth does not say so on
    # the page, or anyone could test which numbers have accounts); its owner learns it here.
    "account_exists": SmsTemplate(
        _(
            "Someone tried to sign up with this number, which already has an account. "
            "To get in, log in with this number. If it was not you, ignore this message."
        ),
    ),  # fmt: skip
}


class SmsLimitReached(Exception):
    """A text was refused before it was sent: too many went to this number or network."""

    def __init__(self, scope, retry_after):
        super().__init__(scope, retry_after)
        self.scope = scope
        self.retry_after = retry_after

    @property
    def message(self):
        minutes = max(1, math.ceil(self.retry_after / 60))
        if self.scope == "number":
            text = ngettext(
                "Too many codes have been sent to this number. Try again in %(minutes)d minute.",
                "Too many codes have been sent to this number. Try again in %(minutes)d minutes.",
                minutes,
            )
        else:
            text = ngettext(
                "Too many codes have been sent from your network. Try again in %(minutes)d minute.",
                "Too many codes have been sent from your network. Try again in %(minutes)d "
                "minutes.",
                minutes,
            )
        return text % {"minutes": minutes}


class SmsNotSent(Exception):
    """The provider refused or could not be reached; the reason is logged, not shown."""


def _buckets(number, client_ip):
    limits = settings.SMS_RATE_LIMITS
    # Numbers are personal data: the cache holds a hash of them.
    yield "number", f"sms:number:{sha256(number.encode()).hexdigest()}", limits["number"]
    if client_ip:
        yield "network", f"sms:ip:{client_ip}", limits["ip"]


def limit_reached(number, client_ip=None):
    """The limit a text to `number` from `client_ip` would break now (a SmsLimitReached to
    raise or show), or None when it may go."""
    now = time.time()
    for scope, key, rates in _buckets(number, client_ip):
        sent = cache.get(key, [])
        for amount, seconds in rates:
            recent = [moment for moment in sent if moment > now - seconds]
            if len(recent) >= amount:
                return SmsLimitReached(scope, retry_after=min(recent) + seconds - now)
    return None


def _count(number, client_ip):
    now = time.time()
    for _scope, key, rates in _buckets(number, client_ip):
        longest = max(seconds for _amount, seconds in rates)
        sent = [moment for moment in cache.get(key, []) if moment > now - longest]
        cache.set(key, [*sent, now], longest)


def render_text(template_key, params):
    """The text of a message in the active language, as the console shows it."""
    return str(TEMPLATES[template_key].text) % params


def send_sms(number, template_key, params, *, client_ip=None):
    """Text `number` (E.164) the message `template_key` filled with `params`.

    Raises SmsLimitReached, having sent nothing, when the number or the network `client_ip`
    has had its share; SmsNotSent when the provider fails.
    """
    if template_key not in TEMPLATES:
        raise KeyError(template_key)
    refused = limit_reached(number, client_ip)
    if refused is not None:
        logger.info("SMS to %s… refused: %s limit", number[:6], refused.scope)
        raise refused
    _count(number, client_ip)
    get_backend().send(number, template_key, params)


def count_without_sending(number, *, client_ip=None):
    """Count a request that sends nothing (a code asked for a number without an account) like
    one that does, so the limits do not tell which numbers have accounts."""
    if (refused := limit_reached(number, client_ip)) is not None:
        raise refused
    _count(number, client_ip)


BACKENDS = {
    "console": "communities.sms.ConsoleBackend",
    "tencent": "communities.sms.TencentBackend",
}


def get_backend():
    return import_string(BACKENDS[settings.SMS_BACKEND])()


@dataclass
class SentSms:
    number: str
    template_key: str
    params: dict
    text: str = field(default="")


# What the console backend sent, oldest first: tests read codes from here, as from mail.outbox.
outbox: list[SentSms] = []


class ConsoleBackend:
    """Development and tests: the text is printed where the server's output goes."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, number, template_key, params):
        text = render_text(template_key, params)
        outbox.append(SentSms(number, template_key, dict(params), text))
        sign = settings.SMS_TENCENT.get("sign_name") or settings.WAGTAIL_SITE_NAME
        self.stream.write(f"SMS to {number}: 【{sign}】{text}\n{'-' * 79}\n")
        self.stream.flush()


class TencentBackend:
    """Tencent Cloud SMS (短信), API version 2021-01-11, through Tencent's Python SDK.

    The wording is the approved template's (TENCENT_SMS_TEMPLATE_ID and friends); we send only
    its parameters. A message kind with no template id configured is not sent, and logged.
    """

    def __init__(self):
        self.config = settings.SMS_TENCENT

    def client(self):
        from tencentcloud.common import credential
        from tencentcloud.sms.v20210111 import sms_client

        secret = credential.Credential(self.config["secret_id"], self.config["secret_key"])
        return sms_client.SmsClient(secret, self.config["region"])

    def send(self, number, template_key, params):
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111 import models

        template_id = self.config["templates"].get(template_key)
        if not template_id:
            logger.warning("No Tencent SMS template for %r: message not sent", template_key)
            return
        request = models.SendSmsRequest()
        request.SmsSdkAppId = self.config["sdk_app_id"]
        request.SignName = self.config["sign_name"]
        request.TemplateId = template_id
        request.TemplateParamSet = [str(params[name]) for name in TEMPLATES[template_key].params]
        request.PhoneNumberSet = [number]
        try:
            response = self.client().SendSms(request)
        except TencentCloudSDKException as error:
            logger.error("Tencent SMS failed: %s", error)
            raise SmsNotSent(str(error)) from error
        status = response.SendStatusSet[0] if response.SendStatusSet else None
        if status is None or status.Code != "Ok":
            code = status.Code if status else "no status"
            logger.error("Tencent SMS refused (%s): %s", code, status.Message if status else "")
            raise SmsNotSent(code)
