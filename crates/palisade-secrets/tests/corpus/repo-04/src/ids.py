REQUEST_ID = "67938a5f-df4a-d805-620b-6d1a5f39c70f"
COMMIT = "bf9541d4c4817915769c2fe59f2bc4e6424d58a9"
CHECKSUM = "sha256:6afa89a3d61dbcd36835aabe27239b0e6911715ea45a34d8ff7ed0773ec2c09e"
NONCE = "0f5771a72a70fc60aa863db904c9ac35"
ETAG = "W/\"i2OXPAuMbkt9fjxYloenoFnIa6r\""
password = request.form['password']
token = get_token(session)
secret_name = "shop-db"
api_key = settings.API_KEY
if password == confirm_password:
    pass
