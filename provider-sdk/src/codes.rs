//! The SDK's stable codes: one enum per family ([`crate::auth::AuthCode`],
//! [`crate::server::RouterCode`], [`crate::lollipop::LollipopCode`]), each code with the HTTP
//! status the router answers and one line of meaning, listed in `docs/provider-sdk.md` (a test
//! compares the two).

/// Declares a code enum: `codes! { /// doc… Name { Variant => "CODE", status, "meaning"; … } }`.
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $code:literal, $status:literal, $what:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = $what]
                $variant,
            )*
        }

        impl $name {
            /// Every code, for documentation and tests.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable code, e.g. `NOT_FOUND`.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            /// The HTTP status the SDK's router answers with.
            pub fn status(self) -> u16 {
                match self { $($name::$variant => $status),* }
            }

            /// One line explaining the code.
            pub fn describe(self) -> &'static str {
                match self { $($name::$variant => $what),* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use codes;
