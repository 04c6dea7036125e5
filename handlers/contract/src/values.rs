//! String enums: values that travel between synth time and run time as strings (an
//! environment variable's value, a claim, an artifact name), typed on both sides.
//!
//! [`string_enum!`] writes the enum, its one `as_str` and its one `FromStr` from one table of
//! `Variant => "value"` lines, so the two directions cannot drift apart. A small macro rather
//! than `strum`: neither workspace depends on `strum`, the contract stays dependency-light (it is
//! compiled into every synth app), and we need exactly these three items.

use std::fmt;

/// A string that names none of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The value given.
    pub value: String,
    /// Every accepted value.
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expected: Vec<String> = self.expected.iter().map(|e| format!("{e:?}")).collect();
        write!(f, "unknown value {:?}; expected one of {}", self.value, expected.join(", "))
    }
}

impl std::error::Error for UnknownValue {}

/// Declares a `Copy` enum whose variants are written as strings: `as_str` (const), `ALL`,
/// `Display`, and `FromStr` (surrounding whitespace ignored, ASCII case-insensitive; an unknown
/// value is an [`UnknownValue`] listing the accepted ones). One table, both directions.
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $value:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The string form (what an environment variable or claim holds).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::values::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                $( if t.eq_ignore_ascii_case($value) { return Ok($name::$variant); } )+
                Err($crate::values::UnknownValue { value: s.to_owned(), expected: &[$($value),+] })
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_owned()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::artifacts::Artifact;
    use crate::env::{AgentMode, Provider, ResponseMode, RuntimeAuth, TokenUse};

    fn round_trips<T>(all: &[T], as_str: fn(T) -> &'static str)
    where
        T: Copy + PartialEq + std::fmt::Debug + std::str::FromStr,
        T::Err: std::fmt::Debug,
    {
        for &v in all {
            assert_eq!(as_str(v).parse::<T>().expect("round trip"), v);
        }
    }

    #[test]
    fn every_value_parses_back_to_itself() {
        round_trips(AgentMode::ALL, AgentMode::as_str);
        round_trips(Provider::ALL, Provider::as_str);
        round_trips(ResponseMode::ALL, ResponseMode::as_str);
        round_trips(RuntimeAuth::ALL, RuntimeAuth::as_str);
        round_trips(TokenUse::ALL, TokenUse::as_str);
        round_trips(Artifact::ALL, Artifact::as_str);
    }

    #[test]
    fn parsing_ignores_case_and_whitespace_and_names_the_choices_on_error() {
        assert_eq!(" STREAM ".parse::<ResponseMode>(), Ok(ResponseMode::Stream));
        let err = "chunked".parse::<ResponseMode>().expect_err("not a response mode");
        assert_eq!(err.to_string(), r#"unknown value "chunked"; expected one of "buffered", "stream""#);
    }

    #[test]
    fn the_wire_strings_are_the_ones_deployed_stacks_carry() {
        // Changing one of these breaks stacks synthesized by an older agentcdk.
        let wire: Vec<&str> = AgentMode::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(wire, ["sync", "queue", "websocket"]);
        assert_eq!(Provider::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>(), ["bedrock", "openai"]);
        assert_eq!(RuntimeAuth::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>(), ["iam", "jwt"]);
        assert_eq!(TokenUse::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>(), ["access", "id"]);
    }
}
