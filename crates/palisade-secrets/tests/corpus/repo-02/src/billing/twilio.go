package billing

const (
	twilioKey = "SKc8079317fac290d0343513b1c304c609"
	sendgridKey = "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"
)
