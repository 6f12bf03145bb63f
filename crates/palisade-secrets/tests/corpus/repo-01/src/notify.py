import os
import requests

SLACK_TOKEN = "xoxb-287321613625-7209236420718-baubzeOVteE7xXOo3hkaX0jL"
WEBHOOK = "https://hooks.slack.com/services/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"

def notify(text):
    token = os.environ.get('SLACK_TOKEN', SLACK_TOKEN)
    return requests.post(WEBHOOK, json={'text': text})
