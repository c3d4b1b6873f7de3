//! WebKitGTK's features (its preferences, by identifier) on a webview's settings.
//!
//! The API (`webkit_settings_get_all_features`, WebKitGTK 2.42) is not in the `webkit2gtk`
//! crate's bindings, so it is looked up when first used: on an older WebKitGTK the app still
//! starts, and the caller learns the feature could not be set.

use std::ffi::{CStr, c_char, c_void};
use std::sync::OnceLock;

use webkit2gtk::glib::translate::ToGlibPtr;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FeatureError {
    #[error("this WebKitGTK has no feature API (2.42 or later has)")]
    NoFeatureApi,
    #[error("this WebKitGTK has no feature named {0}")]
    Unknown(String),
}

type GetAll = unsafe extern "C" fn() -> *mut c_void;
type ListLength = unsafe extern "C" fn(*mut c_void) -> usize;
type ListGet = unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void;
type ListUnref = unsafe extern "C" fn(*mut c_void);
type Identifier = unsafe extern "C" fn(*mut c_void) -> *const c_char;
type SetEnabled = unsafe extern "C" fn(*mut webkit2gtk::ffi::WebKitSettings, *mut c_void, i32);
type GetEnabled = unsafe extern "C" fn(*mut webkit2gtk::ffi::WebKitSettings, *mut c_void) -> i32;

/// WebKitGTK's library, as Tauri (wry) links it.
const WEBKITGTK: &CStr = c"libwebkit2gtk-4.1.so.0";

/// The feature API's functions, from WebKitGTK's library.
struct Api {
    get_all: GetAll,
    list_length: ListLength,
    list_get: ListGet,
    list_unref: ListUnref,
    identifier: Identifier,
    set_enabled: SetEnabled,
    get_enabled: GetEnabled,
}

fn api() -> Option<&'static Api> {
    static API: OnceLock<Option<Api>> = OnceLock::new();
    API.get_or_init(|| {
        // The library wry renders with (already loaded in the app: this takes a reference).
        // SAFETY: dlopen with a NUL-terminated soname; the handle is kept for the process's life.
        let library = unsafe { libc::dlopen(WEBKITGTK.as_ptr(), libc::RTLD_NOW) };
        if library.is_null() {
            return None;
        }
        // The address of `name` in WebKitGTK, or None.
        let symbol = |name: &CStr| {
            // SAFETY: dlsym on a live handle with a NUL-terminated name only reads.
            let address = unsafe { libc::dlsym(library, name.as_ptr()) };
            (!address.is_null()).then_some(address)
        };
        // The function `name` of WebKitGTK, as `$type`.
        macro_rules! function {
            ($name:literal as $type:ty) => {
                // SAFETY: the address is the named WebKitGTK function, whose C signature the
                // type spells (WebKitGTK 2.42 API reference).
                unsafe { std::mem::transmute::<*mut c_void, $type>(symbol($name)?) }
            };
        }
        Some(Api {
            get_all: function!(c"webkit_settings_get_all_features" as GetAll),
            list_length: function!(c"webkit_feature_list_get_length" as ListLength),
            list_get: function!(c"webkit_feature_list_get" as ListGet),
            list_unref: function!(c"webkit_feature_list_unref" as ListUnref),
            identifier: function!(c"webkit_feature_get_identifier" as Identifier),
            set_enabled: function!(c"webkit_settings_set_feature_enabled" as SetEnabled),
            get_enabled: function!(c"webkit_settings_get_feature_enabled" as GetEnabled),
        })
    })
    .as_ref()
}

/// Runs `with` on the feature named `identifier` (e.g. `AsyncOverflowScrolling`).
fn with_feature<T>(
    identifier: &str,
    with: impl FnOnce(&Api, *mut c_void) -> T,
) -> Result<T, FeatureError> {
    let api = api().ok_or(FeatureError::NoFeatureApi)?;
    // SAFETY: the list is WebKit's (a new reference, released below); its features live as
    // long as it does, and their identifiers are static C strings.
    unsafe {
        let list = (api.get_all)();
        let found = (0..(api.list_length)(list))
            .map(|index| (api.list_get)(list, index))
            .find(|&feature| {
                CStr::from_ptr((api.identifier)(feature)).to_bytes() == identifier.as_bytes()
            });
        let result = found.map(|feature| with(api, feature));
        (api.list_unref)(list);
        result.ok_or_else(|| FeatureError::Unknown(identifier.to_owned()))
    }
}

/// Turns WebKit's feature `identifier` on or off in `settings`.
pub fn set(
    settings: &webkit2gtk::Settings,
    identifier: &str,
    enabled: bool,
) -> Result<(), FeatureError> {
    let raw: *mut webkit2gtk::ffi::WebKitSettings = settings.to_glib_none().0;
    // SAFETY: `raw` is a live WebKitSettings (borrowed from `settings`), `feature` comes from
    // WebKit's own list.
    with_feature(identifier, |api, feature| unsafe {
        (api.set_enabled)(raw, feature, i32::from(enabled))
    })
}

/// Whether WebKit's feature `identifier` is on in `settings`.
pub fn enabled(settings: &webkit2gtk::Settings, identifier: &str) -> Result<bool, FeatureError> {
    let raw: *mut webkit2gtk::ffi::WebKitSettings = settings.to_glib_none().0;
    // SAFETY: as in `set`.
    with_feature(identifier, |api, feature| unsafe {
        (api.get_enabled)(raw, feature) != 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Setting a feature needs a WebKitSettings, which needs GTK and a display: the real-window
    // test covers it (tests/e2e/painting.test.mjs). Finding one needs neither.

    #[test]
    fn finds_async_overflow_scrolling_in_this_webkitgtk() {
        let identifier = with_feature("AsyncOverflowScrolling", |api, feature| {
            // SAFETY: `feature` is from WebKit's list, alive inside the callback.
            unsafe { CStr::from_ptr((api.identifier)(feature)) }.to_owned()
        });
        assert_eq!(identifier, Ok(c"AsyncOverflowScrolling".to_owned()));
    }

    #[test]
    fn an_unknown_feature_is_named_in_its_error() {
        assert_eq!(
            with_feature("NoSuchFeature", |_, _| ()),
            Err(FeatureError::Unknown("NoSuchFeature".into()))
        );
    }
}
