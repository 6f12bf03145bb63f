import os
import requests

SLACK_TOKEN = "xoxb-695216165603-8987691298511-8RHZCR5d6lzYMGX7wdOu6TOC"
WEBHOOK = "https://hooks.slack.com/services/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"

def notify(text):
    token = os.environ.get('SLACK_TOKEN', SLACK_TOKEN)
    return requests.post(WEBHOOK, json={'text': text})
