use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    #[default]
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Weight in the posture score.
    pub fn weight(self) -> u32 {
        match self {
            Severity::Info => 0,
            Severity::Low => 1,
            Severity::Medium => 3,
            Severity::High => 8,
            Severity::Critical => 20,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityParseError(pub String);

impl fmt::Display for SeverityParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown severity {:?} (expected critical, high, medium, low or info)",
            self.0
        )
    }
}

impl std::error::Error for SeverityParseError {}

impl FromStr for Severity {
    type Err = SeverityParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" | "moderate" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(SeverityParseError(s.to_string())),
        }
    }
}

/// When a command fails: `none` never; otherwise at a finding of this
/// severity or worse (`info`, also spelled `any`: at any finding at all).
/// The one type behind every `--fail-on` and the configuration's `failOn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Threshold {
    None,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Threshold {
    pub const ALL: [Threshold; 6] = [
        Threshold::None,
        Threshold::Info,
        Threshold::Low,
        Threshold::Medium,
        Threshold::High,
        Threshold::Critical,
    ];

    /// The least severity that fails; `None` for `none`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Threshold::None => None,
            Threshold::Info => Some(Severity::Info),
            Threshold::Low => Some(Severity::Low),
            Threshold::Medium => Some(Severity::Medium),
            Threshold::High => Some(Severity::High),
            Threshold::Critical => Some(Severity::Critical),
        }
    }

    /// Whether a finding of severity `s` fails the run.
    pub fn trips(self, s: Severity) -> bool {
        self.severity().is_some_and(|t| s >= t)
    }

    /// Whether any of `severities` fails the run.
    pub fn trips_any(self, severities: impl IntoIterator<Item = Severity>) -> bool {
        severities.into_iter().any(|s| self.trips(s))
    }

    /// Whether a finding without a rating (an unrated vulnerability) fails
    /// the run: only at `info` (any finding at all).
    pub fn trips_unrated(self) -> bool {
        self == Threshold::Info
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Threshold::None => "none",
            Threshold::Info => "info",
            Threshold::Low => "low",
            Threshold::Medium => "medium",
            Threshold::High => "high",
            Threshold::Critical => "critical",
        }
    }
}

impl From<Severity> for Threshold {
    fn from(s: Severity) -> Self {
        match s {
            Severity::Info => Threshold::Info,
            Severity::Low => Threshold::Low,
            Severity::Medium => Threshold::Medium,
            Severity::High => Threshold::High,
            Severity::Critical => Threshold::Critical,
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--fail-on` or `failOn` value that is not a threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdParseError(pub String);

impl fmt::Display for ThresholdParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown threshold {:?} (expected critical, high, medium, low, info or none)",
            self.0
        )
    }
}

impl std::error::Error for ThresholdParseError {}

/// Case-insensitive: `none`, `any` (as `info`) or a severity.
impl FromStr for Threshold {
    type Err = ThresholdParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Threshold::None),
            "any" => Ok(Threshold::Info),
            other => other
                .parse::<Severity>()
                .map(Threshold::from)
                .map_err(|_| ThresholdParseError(s.to_string())),
        }
    }
}

impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "clap")]
impl clap::ValueEnum for Threshold {
    fn value_variants<'a>() -> &'a [Self] {
        &Threshold::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let v = clap::builder::PossibleValue::new(self.as_str());
        Some(match self {
            Threshold::None => v.help("never fail on findings"),
            Threshold::Info => v.alias("any").help("any finding at all"),
            Threshold::Medium => v.alias("moderate"),
            _ => v,
        })
    }
}

#[cfg(feature = "clap")]
impl clap::ValueEnum for Severity {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let v = clap::builder::PossibleValue::new(self.as_str());
        Some(match self {
            Severity::Medium => v.alias("moderate"),
            _ => v,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_parse() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Info < Severity::Low);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("urgent".parse::<Severity>().is_err());
        assert_eq!(
            serde_json::to_string(&Severity::Medium).unwrap(),
            "\"medium\""
        );
    }

    #[test]
    fn thresholds() {
        assert_eq!("NONE".parse::<Threshold>().unwrap(), Threshold::None);
        assert_eq!("any".parse::<Threshold>().unwrap(), Threshold::Info);
        assert_eq!("High".parse::<Threshold>().unwrap(), Threshold::High);
        assert!("urgent".parse::<Threshold>().is_err());
        assert!(!Threshold::None.trips(Severity::Critical));
        assert!(Threshold::High.trips(Severity::Critical));
        assert!(Threshold::High.trips(Severity::High));
        assert!(!Threshold::High.trips(Severity::Medium));
        assert!(Threshold::Info.trips(Severity::Info));
        assert!(Threshold::Info.trips_unrated() && !Threshold::Low.trips_unrated());
        let t: Threshold = serde_json::from_str("\"Medium\"").unwrap();
        assert_eq!(t, Threshold::Medium);
        assert!(serde_json::from_str::<Threshold>("\"sometimes\"").is_err());
    }
}
