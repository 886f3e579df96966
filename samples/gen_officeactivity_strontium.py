"""Writes OfficeActivity_strontium_spray.jsonl: a synthetic password spray against Office 365 as
STRONTIUM ran it in 2020 (a user agent from Microsoft's published list, many accounts and
addresses, one attempt every 7 seconds), for the test of
rules/possible_strontium_attempted_credential_harvesting_oct_2020.yaml. No real data.

    python3 gen_officeactivity_strontium.py
"""

import json
from datetime import datetime, timedelta

USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:63.0) Gecko/20100101 Firefox/63.0"
ATTEMPTS = 520
START = datetime(2020, 10, 20, 8, 0, 0)


def main():
    with open("OfficeActivity_strontium_spray.jsonl", "w") as out:
        for n in range(ATTEMPTS):
            properties = [
                {"Name": "UserAgent", "Value": USER_AGENT},
                {"Name": "RequestType", "Value": "OAuth2:Token"},
                {"Name": "ResultStatusDetail", "Value": "UserError"},
            ]
            record = {
                "TimeGenerated": (START + timedelta(seconds=7 * n)).isoformat() + "Z",
                "RecordType": "AzureActiveDirectoryStsLogon",
                "Operation": "UserLoginFailed",
                "UserId": f"user{n % 60:02d}@contoso.com",
                "ClientIP": f"198.51.100.{10 + n % 40}",
                "ExtendedProperties": json.dumps(properties),
            }
            out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
