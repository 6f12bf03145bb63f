#!/bin/sh
set -eu
curl -fsS -H "Authorization: Bearer eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiYjcwMjk1MDMtMmEzNS02NzhhLTgwMDQtOGYxMDlkNTQ2MzU0IiwgImlhdCI6IDE3MDE0NDQ3MzF9.ZKVS8bptGe5HzmT-9VEd8GpBsuDTq5IO-PZTuOQD9-o" https://api.shop.invalid/health
