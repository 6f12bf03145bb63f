import os
import requests

SLACK_TOKEN = "xoxb-083721599468-2543959682566-4oodCBWB9OpGT9QsOtkqmuoJ"
WEBHOOK = "https://hooks.slack.com/services/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"

def notify(text):
    token = os.environ.get('SLACK_TOKEN', SLACK_TOKEN)
    return requests.post(WEBHOOK, json={'text': text})
