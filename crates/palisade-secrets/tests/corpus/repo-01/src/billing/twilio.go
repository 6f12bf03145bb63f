package billing

const (
	twilioKey = "SK5d06525b04c1d0006fecd688581affe1"
	sendgridKey = "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"
)
