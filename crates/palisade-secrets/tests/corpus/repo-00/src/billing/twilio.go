package billing

const (
	twilioKey = "SK969ccbbd6f2852f8d389888d7b77e776"
	sendgridKey = "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"
)
