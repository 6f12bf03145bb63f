package billing

const (
	twilioKey = "SK5b5fc48320e7baf9215f3708a93cdf49"
	sendgridKey = "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"
)
