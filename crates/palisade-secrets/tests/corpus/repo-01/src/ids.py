REQUEST_ID = "e32e8569-0a5a-18a5-749f-bfa53744d824"
COMMIT = "9556915d27aba58daee4df2e74d3aad67b5213b0"
CHECKSUM = "sha256:fa96cca0088a0b23ceafa219545d323f13ff909b089da6005daa03070829b3bb"
NONCE = "1af3287a8cf943a9955d2215e9e6b2ae"
ETAG = "W/\"8UNxR_QsV88z_8EvVnkYxEi1qQn\""
password = request.form['password']
token = get_token(session)
secret_name = "shop-db"
api_key = settings.API_KEY
if password == confirm_password:
    pass
