import os
import requests

SLACK_TOKEN = "xoxb-412877562604-8936369670612-nNjUWKIUJfbpuBhHfO4GwGvg"
WEBHOOK = "https://hooks.slack.com/services/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"

def notify(text):
    token = os.environ.get('SLACK_TOKEN', SLACK_TOKEN)
    return requests.post(WEBHOOK, json={'text': text})
