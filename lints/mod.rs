//! The rules. One file per rule; registering one is one line in [`ALL`].

mod block_directive_without_block;
mod conflicting_server_name;
mod deprecated_directive;
mod directive_not_allowed;
mod duplicate_directive;
mod duplicate_listen;
mod duplicate_location;
mod duplicate_map_key;
mod duplicate_upstream;
mod include_cycle;
mod include_not_found;
mod include_unreadable;
mod inconsistent_buffer_sizes;
mod invalid_argument_count;
mod invalid_directive_value;
mod invalid_flag_value;
mod invalid_listen;
mod invalid_location_modifier;
mod invalid_regex;
mod invalid_suppression;
mod simple_directive_with_block;
mod syntax_error;
mod unknown_directive;
mod unsupported_directive;
pub(crate) mod unused_suppression;

use crate::lint::Rule;

/// Every rule, in documentation order.
pub static ALL: &[&dyn Rule] = &[
    &syntax_error::SyntaxError,
    &directive_not_allowed::DirectiveNotAllowed,
    &block_directive_without_block::BlockDirectiveWithoutBlock,
    &simple_directive_with_block::SimpleDirectiveWithBlock,
    &invalid_argument_count::InvalidArgumentCount,
    &unknown_directive::UnknownDirective,
    &invalid_flag_value::InvalidFlagValue,
    &invalid_directive_value::InvalidDirectiveValue,
    &invalid_location_modifier::InvalidLocationModifier,
    &invalid_regex::InvalidRegex,
    &duplicate_directive::DuplicateDirective,
    &duplicate_location::DuplicateLocation,
    &duplicate_upstream::DuplicateUpstream,
    &invalid_listen::InvalidListen,
    &duplicate_listen::DuplicateListen,
    &duplicate_map_key::DuplicateMapKey,
    &conflicting_server_name::ConflictingServerName,
    &inconsistent_buffer_sizes::InconsistentBufferSizes,
    &unsupported_directive::UnsupportedDirective,
    &deprecated_directive::DeprecatedDirective,
    &include_not_found::IncludeNotFound,
    &include_unreadable::IncludeUnreadable,
    &include_cycle::IncludeCycle,
    &invalid_suppression::InvalidSuppression,
    &unused_suppression::UnusedSuppression,
];

/// Looks a rule up by name.
pub fn by_name(name: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().name == name)
}
