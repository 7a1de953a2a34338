//! How a core value becomes its boundary twin.
//!
//! The types the front ends see (the TypeScript bindings, the JSON of the HTTP API and the Tauri
//! commands) are declared in this crate, not in `coffer-core`: core's read models and vocabulary
//! are free to change shape while the wire contract, pinned by the bindings drift test, changes
//! only here. A boundary struct lists its fields once, with the wire's doc comments; the macros
//! below derive the field-by-field conversion from the core type, so a field added to one side
//! and not the other fails to compile.

/// Converts a core value into its boundary twin (field by field for structs, variant by variant
/// for enums); plain data converts to itself.
pub(crate) trait FromCore<T> {
    fn from_core(value: T) -> Self;
}

/// Converts a boundary value (a request's argument) into the core value it stands for.
pub(crate) trait FromWire<W> {
    fn from_wire(value: W) -> Self;
}

macro_rules! same_on_both_sides {
    ($($t:ty),*) => {$(
        impl FromCore<$t> for $t {
            fn from_core(value: $t) -> Self {
                value
            }
        }
        impl FromWire<$t> for $t {
            fn from_wire(value: $t) -> Self {
                value
            }
        }
    )*};
}
same_on_both_sides!(
    String,
    bool,
    i64,
    u32,
    u64,
    chrono::NaiveDate,
    rust_decimal::Decimal
);

impl<T, U: FromCore<T>> FromCore<Option<T>> for Option<U> {
    fn from_core(value: Option<T>) -> Self {
        value.map(U::from_core)
    }
}

impl<T, U: FromCore<T>> FromCore<Vec<T>> for Vec<U> {
    fn from_core(value: Vec<T>) -> Self {
        value.into_iter().map(U::from_core).collect()
    }
}

impl<W, T: FromWire<W>> FromWire<Option<W>> for Option<T> {
    fn from_wire(value: Option<W>) -> Self {
        value.map(T::from_wire)
    }
}

impl<W, T: FromWire<W>> FromWire<Vec<W>> for Vec<T> {
    fn from_wire(value: Vec<W>) -> Self {
        value.into_iter().map(T::from_wire).collect()
    }
}

/// The boundary twin of a core value: `core_value.into_wire()`.
pub(crate) trait IntoWire<W> {
    fn into_wire(self) -> W;
}

impl<T, W: FromCore<T>> IntoWire<W> for T {
    fn into_wire(self) -> W {
        W::from_core(self)
    }
}

/// A boundary struct with the same fields as its core twin, and the conversion from it (and,
/// with `from and into`, back, for requests):
///
/// ```text
/// wire_struct! {
///     /// Wire docs.
///     #[derive(...)]
///     pub struct AccountView from coffer_core::views::AccountView { pub id: AccountId, ... }
/// }
/// ```
macro_rules! wire_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident from and into $core:path {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $crate::mirror::wire_struct! {
            $(#[$meta])*
            pub struct $name from $core { $( $(#[$field_meta])* pub $field: $ty ),* }
        }

        impl From<$name> for $core {
            fn from(value: $name) -> Self {
                type Core = $core;
                let $name { $( $field ),* } = value;
                Core { $( $field: $crate::mirror::FromWire::from_wire($field) ),* }
            }
        }

        impl $crate::mirror::FromWire<$name> for $core {
            fn from_wire(value: $name) -> Self {
                value.into()
            }
        }
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident from $core:path {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty ),*
        }

        impl $crate::mirror::FromCore<$core> for $name {
            fn from_core(value: $core) -> Self {
                // Exhaustive on purpose: a field core gains must be placed here or refused.
                type Core = $core;
                let Core { $( $field ),* } = value;
                $name { $( $field: $crate::mirror::FromCore::from_core($field) ),* }
            }
        }
    };
}

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident from $core:path {
            $( $(#[$variant_meta:meta])* $variant:ident ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $( $(#[$variant_meta])* $variant ),+
        }

        impl $crate::mirror::FromCore<$core> for $name {
            fn from_core(value: $core) -> Self {
                type Core = $core;
                match value {
                    $( Core::$variant => $name::$variant ),+
                }
            }
        }

        impl From<$name> for $core {
            fn from(value: $name) -> Self {
                type Core = $core;
                match value {
                    $( $name::$variant => Core::$variant ),+
                }
            }
        }

        impl $crate::mirror::FromWire<$name> for $core {
            fn from_wire(value: $name) -> Self {
                value.into()
            }
        }
    };
}

pub(crate) use {wire_enum, wire_struct};
