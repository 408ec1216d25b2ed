"""The development mailer: messages printed as a person reads them, Chinese included.

Django's console backend prints the wire format: a Chinese line is longer than 78 bytes (26
characters), so Python's email package sends the body as base64 and the subject as =?utf-8?b?…?=
words, and a developer following a sign-up link sees none of it. Printed with a policy that
allows UTF-8 headers and lines up to the 998 bytes RFC 5322 permits, the body is plain 8-bit text.
"""

import email.policy

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

READABLE = email.policy.default.clone(utf8=True, max_line_length=998)


class EmailBackend(DjangoConsoleBackend):
    def write_message(self, message):
        data = message.message(policy=READABLE).as_bytes().decode("utf-8", "replace")
        self.stream.write(f"{data}\n{'-' * 79}\n")
