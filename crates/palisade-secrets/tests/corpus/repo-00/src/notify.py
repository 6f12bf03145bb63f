import os
import requests

SLACK_TOKEN = "xoxb-393772611972-7817965730307-hgnUaTMN6bPx1BHf9VWMG0TK"
WEBHOOK = "https://hooks.slack.com/services/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"

def notify(text):
    token = os.environ.get('SLACK_TOKEN', SLACK_TOKEN)
    return requests.post(WEBHOOK, json={'text': text})
