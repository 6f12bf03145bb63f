package billing

const (
	twilioKey = "SK2afe0a2190c5f4b607bf97b1feb9d426"
	sendgridKey = "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"
)
