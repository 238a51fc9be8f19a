//! First- or last-click attribution: which click id wins.

use clicktrail_clickid::ClickId;

/// Which click id wins when the visitor already has one and arrives with another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Attribution {
    /// A new click id (from the URL or the UTT) replaces the stored one. The default, and what
    /// impact.com does.
    #[default]
    Last,
    /// The stored click id stays until it expires.
    First,
}

impl Attribution {
    /// Reads the option value `"last"` or `"first"`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "last" => Some(Self::Last),
            "first" => Some(Self::First),
            _ => None,
        }
    }

    /// The click id to keep, given the one already held and a newly seen one.
    pub fn choose<'a>(
        self,
        held: Option<&'a ClickId>,
        new: Option<&'a ClickId>,
    ) -> Option<&'a ClickId> {
        match (self, held, new) {
            (Self::First, Some(held), _) => Some(held),
            (_, held, None) => held,
            (_, _, Some(new)) => Some(new),
        }
    }

    /// Whether a newly seen click id could still change anything (whether asking the UTT is
    /// worth it).
    pub fn open_to_new(self, held: Option<&ClickId>) -> bool {
        self == Self::Last || held.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ClickId {
        ClickId::new(s).unwrap()
    }

    #[test]
    fn last_takes_the_new_one_first_keeps_the_held_one() {
        let (old, new) = (id("Old"), id("New"));
        assert_eq!(Attribution::Last.choose(Some(&old), Some(&new)), Some(&new));
        assert_eq!(
            Attribution::First.choose(Some(&old), Some(&new)),
            Some(&old)
        );
    }

    #[test]
    fn either_mode_takes_what_there_is() {
        let (old, new) = (id("Old"), id("New"));
        for mode in [Attribution::Last, Attribution::First] {
            assert_eq!(mode.choose(None, Some(&new)), Some(&new));
            assert_eq!(mode.choose(Some(&old), None), Some(&old));
            assert_eq!(mode.choose(None, None), None);
        }
    }

    #[test]
    fn openness_to_a_new_click_id() {
        let old = id("Old");
        assert!(Attribution::Last.open_to_new(Some(&old)));
        assert!(Attribution::First.open_to_new(None));
        assert!(!Attribution::First.open_to_new(Some(&old)));
    }

    #[test]
    fn parses_option_values() {
        assert_eq!(Attribution::parse("last"), Some(Attribution::Last));
        assert_eq!(Attribution::parse("first"), Some(Attribution::First));
        assert_eq!(Attribution::parse("First"), None);
        assert_eq!(Attribution::default(), Attribution::Last);
    }
}
