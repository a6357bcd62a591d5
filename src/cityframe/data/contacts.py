"""Phone numbers, web addresses, email addresses and state codes: checked the way residents will use them.

A number in the directory must be dialable, a web address clickable and an email address one that a mail program
accepts. Each check keeps the text the city wrote (the documents show it in one consistent form) and, when the
value cannot work, raises :class:`ContactError` with plain words and an example of how to write it. Well-kept
libraries do the work: ``phonenumbers`` (the Python port of Google's libphonenumber) and ``email-validator``
(without any network look-up). No I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico", "GU": "Guam",
    "VI": "U.S. Virgin Islands", "AS": "American Samoa", "MP": "Northern Mariana Islands",
}
"""USPS two-letter codes of the 50 states, the District of Columbia and the five inhabited territories
(USPS Publication 28, Appendix B: https://pe.usps.com/text/pub28/28apb.htm)."""

PHONE_EXAMPLE = '"(740) 555-0123"'
WEB_SCHEMES = ("https", "http")


class ContactError(ValueError):
    """A contact detail that cannot work as written: ``message`` says why, ``hint`` how to write it."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


# --- phone numbers -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dial:
    """A checked phone number: ``display`` as documents print it and ``href`` as a link dials it.

    ``display`` is ``(740) 555-0123, ext. 9`` for US numbers, ``+44 20 7946 0958`` for others and the digits of a
    short code (``988``); a vanity number keeps its letters as written (``1-844-924-BIAS``). ``href`` is
    ``tel:+17405550123;ext=9`` (RFC 3966), ``tel:988`` for a short code.
    """

    display: str
    href: str
    digits: str
    short: bool


_EXTENSION_TEXT = re.compile(r"\s*(?:,|;)?\s*(?:ext\.?|extension|x|#)\s*(\d+)\s*$", re.IGNORECASE)


def parse_phone(text: str, extension: str | None = None) -> Dial:
    """Check a phone number as written (US unless it starts with ``+``) and say how to print and dial it.

    Raises :class:`ContactError` for text that is not a number (``see website``), too few or too many digits, a
    number that cannot exist (no such area code) or an extension given twice.
    """
    import phonenumbers  # a few ms to import: only when a city has phone numbers

    written = text.strip()
    if extension is not None and not re.fullmatch(r"\d{1,10}", extension.strip()):
        raise ContactError(f"the extension '{extension}' is not a number",
                           "write the digits only, for example extension: 9")
    inline = _EXTENSION_TEXT.search(written)
    body = written[: inline.start()] if inline else written
    if inline and extension:
        raise ContactError(f"'{written}' has an extension, and extension: gives another",
                           "keep the number alone and the extension under extension:")
    digits = re.sub(r"\D", "", body)
    letters = re.sub(r"[^A-Za-z]", "", body)
    if not digits or (letters and len(letters) > len(digits) + 4) or re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", body):
        raise ContactError(f"'{written}' is not a phone number",
                           f"write the number in digits, for example {PHONE_EXAMPLE}; a web page goes under url:, "
                           "and words for residents under description:")
    if not written.startswith("+") and not letters and len(digits) <= 6:
        number = phonenumbers.parse(digits, "US")
        if phonenumbers.is_valid_short_number_for_region(number, "US"):
            return Dial(display=digits, href=f"tel:{digits}", digits=digits, short=True)
        raise ContactError(f"'{written}' has too few digits for a US phone number and is not a short code "
                           "such as 211, 988 or 741741",
                           f"write all ten digits with the area code, for example {PHONE_EXAMPLE}")
    try:
        number = phonenumbers.parse(body, None if body.startswith("+") else "US")
    except phonenumbers.NumberParseException:
        raise ContactError(f"'{written}' is not a phone number",
                           f"write the number in digits, for example {PHONE_EXAMPLE}") from None
    if not phonenumbers.is_valid_number(number):
        national = str(number.national_number)
        if number.country_code == 1 and len(national) < 10:
            raise ContactError(f"'{written}' has too few digits for a US phone number ({len(national)}; a US number "
                               "has ten, starting with the area code)",
                               f"add the area code, for example {PHONE_EXAMPLE}")
        if number.country_code == 1 and len(national) > 10:
            raise ContactError(f"'{written}' has too many digits for a US phone number",
                               f"write ten digits, for example {PHONE_EXAMPLE}, and an extension under extension:")
        where = "a US" if number.country_code == 1 else "an international"
        raise ContactError(f"'{written}' is not {where} phone number that can be dialed (check the digits)",
                           f"write it as it is published, for example {PHONE_EXAMPLE}, or +44 20 7946 0958 "
                           "outside the US")
    ext = extension.strip() if extension else (inline.group(1) if inline else None)
    us = number.country_code == 1
    fmt = phonenumbers.PhoneNumberFormat.NATIONAL if us else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    number.extension = None
    display = " ".join(body.split()) if letters else phonenumbers.format_number(number, fmt)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if ext:
        display += f", ext. {ext}"
    return Dial(display=display, href=f"tel:{e164}" + (f";ext={ext}" if ext else ""), digits=e164, short=False)


# --- web and email addresses -----------------------------------------------------------------------------------


def check_url(text: str) -> list[str]:
    """Refuse a web address that is not an absolute http(s) address; return warnings for deceptive ones.

    Raises :class:`ContactError` for ``www.example.org`` (offering ``https://www.example.org``), another scheme
    (``javascript:``, ``ftp:``, ``mailto:``), spaces or no host. The warnings name a host with non-ASCII letters (a
    look-alike of a known name) and a user name before ``@`` (``https://city.gov@evil.example``).
    """
    url = text.strip()
    if re.search(r"\s", url):
        raise ContactError(f"the web address '{url}' has a space in it", "write the address without spaces, or "
                           "write %20 for a space that belongs to it")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ContactError(f"'{url}' is not a web address", "write it as https://www.example.org") from None
    scheme = parts.scheme.lower()
    looks_like_host = re.match(r"^[\w.-]+\.[a-z]{2,}(?::\d+)?(?:[/?#]|$)", url, re.IGNORECASE)
    if "@" in url and "/" not in url and not scheme:
        raise ContactError(f"'{url}' is an email address, not a web address", "put it under email:")
    if looks_like_host and (not scheme or not parts.netloc):
        raise ContactError(f"the web address '{url}' has no https:// at the start", f"write https://{url}")
    if not scheme:
        raise ContactError(f"'{url}' is not a full web address", "write it as https://www.example.org/page")
    if scheme == "mailto":
        raise ContactError(f"'{url}' is an email link, not a web address",
                           f"put the address alone under email: {parts.path}")
    if scheme not in WEB_SCHEMES:
        raise ContactError(f"'{url}' is not a web address: only https:// and http:// links reach a document",
                           "write the address of a web page, starting with https://")
    if not parts.hostname:
        raise ContactError(f"the web address '{url}' has no site name after {scheme}://",
                           "write it as https://www.example.org/page")
    warnings = []
    if not parts.hostname.isascii():
        warnings.append(f"the web address '{url}' has letters that are not plain ASCII in its site name "
                        f"('{parts.hostname}'); a look-alike letter can lead to another site")
    if parts.username is not None or parts.password is not None:
        warnings.append(f"the web address '{url}' has a user name before '@': the site it opens is "
                        f"'{parts.hostname}', not what comes before the '@'")
    return warnings


def check_email(text: str) -> None:
    """Refuse what is not one plain email address: headers or parameters (``?``, ``&``), ``mailto:``, two addresses.

    Validated with ``email-validator`` without a DNS look-up; the address is kept as written.
    """
    address = text.strip()
    if address.lower().startswith("mailto:"):
        raise ContactError(f"'{address}' starts with 'mailto:'", f"write the address alone: {address[7:]}")
    for sign in "?&<>,;":
        if sign in address:
            raise ContactError(f"the email address '{address}' has '{sign}' in it: an email field holds one address "
                               "and nothing else", "write one address, such as info@example.org")
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ContactError(f"'{address}' is not an email address: {exc}",
                           "write it as name@example.org") from None


def check_state(text: str) -> None:
    """Refuse a code that is not a USPS state, DC or territory code (``XX``, ``Ohio``, ``oh``)."""
    code = text.strip()
    if code in STATES:
        return
    by_name = {name.lower(): c for c, name in STATES.items()}
    if code.lower() in by_name:
        raise ContactError(f"'{code}' is a state name; write its two-letter code", f"write {by_name[code.lower()]}")
    if code.upper() in STATES:
        raise ContactError(f"'{code}' is not a state code: write it in capitals", f"write {code.upper()}")
    raise ContactError(f"'{code}' is not a US state code",
                       "write the USPS two-letter code of a state, DC or a territory, for example OH")
