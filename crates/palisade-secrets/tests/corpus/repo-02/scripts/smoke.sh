#!/bin/sh
set -eu
curl -fsS -H "Authorization: Bearer eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiNDQ4M2YwMzItM2E5Yi1lNzdlLTQ1N2MtNzMyNmYyMmJiYTJhIiwgImlhdCI6IDE3MDU1OTc0MzF9.TXmFLie8UHH5tRFY14U7BKnSGKQTZ-3tWSS19-G_xcg" https://api.shop.invalid/health
