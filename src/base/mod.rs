//! The vocabulary every stage shares and nothing else: source spans and diagnostics,
//! money with ISO minor units, calendar arithmetic, category ids, the language's built-in
//! operators and fields. Depends on no other module of the crate.

pub mod calendar;
pub mod categories;
pub mod diagnostic;
pub mod money;
pub mod shapes;
pub mod vocabulary;
