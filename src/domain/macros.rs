//! `text_enum!`: a closed set of values with one spelling each, used on the wire (serde), in the
//! database (a `Text` column) and in messages. The spelling is written once, next to the variant,
//! so the three can never disagree.

/// Declares an enum whose variants each have one text spelling, with `as_str`, `FromStr`
/// (an unknown spelling is an [`UnknownValue`](crate::domain::UnknownValue) error, never a
/// default), `Display`, `VARIANTS`, and the diesel markers for a `Text` column; the column
/// impls themselves live in `crate::db::types`.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($kind:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const VARIANTS: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::domain::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::domain::UnknownValue::new($kind, other)),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::domain::TextValue for $name {
            fn as_text(&self) -> &'static str {
                self.as_str()
            }
        }
    };
}

pub(crate) use text_enum;
