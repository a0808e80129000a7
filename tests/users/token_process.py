"""A second (and third) process for tests/users/test_api_tokens.py: reads commands on stdin, answers one JSON
line each. Runs with DJANGO_SETTINGS_MODULE=kam.settings, a DATABASE_URL and a KAM_VAR_DIR shared with the
other process (the file cache in KAM_VAR_DIR/cache is what every process of an installation shares).

    create <username>  -> {"id": …, "raw": "kam_…"}     (creates the user too)
    auth <raw>         -> {"ok": true, "user": "…"} | {"ok": false, "message": "…"}
    revoke <id>        -> {"revoked": true}
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    import django

    django.setup()
    from kam.users.models import ApiToken, User
    from kam.users.services import TokenRefused, api_token_create, api_token_revoke, api_token_verify

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "create":
            user, _created = User.objects.get_or_create(username=arg, defaults={"display_name": arg})
            token, raw = api_token_create(actor=user, name="second process")
            answer: dict = {"id": token.pk, "raw": raw}
        elif command == "auth":
            try:
                answer = {"ok": True, "user": api_token_verify(arg).user.username}
            except TokenRefused as exc:
                answer = {"ok": False, "message": str(exc.message)}
        elif command == "revoke":
            token = ApiToken.objects.select_related("user").get(pk=int(arg))
            api_token_revoke(actor=token.user, token=token)
            answer = {"revoked": True}
        else:
            answer = {"error": command}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
