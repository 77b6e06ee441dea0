//! What the user asked for: the only input `App::update` takes. Ticks and resizes are not
//! actions; they stay in the event loop.

/// A user intent, from a key, the mouse, or the search input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Up,
    Down,
    /// Collapse the directory, or go to the parent.
    Left,
    /// Expand the directory, or go into it.
    Right,
    PageUp,
    PageDown,
    First,
    Last,
    NextPane,
    PrevPane,
    /// Collapse or expand the directory under the cursor.
    Toggle,
    ExpandAll,
    CollapseAll,
    /// Switch the tree between the layer's changes and the filesystem up to the layer.
    ToggleAggregated,
    FilterAdded,
    FilterModified,
    FilterRemoved,
    FilterUnchanged,
    WastedOnly,
    Sort,
    /// Open the search input.
    Search,
    NextMatch,
    PrevMatch,
    /// Collapse every directory when any is expanded, else expand them all (dive's ctrl+space).
    ToggleAll,
    /// Show or hide the permission and owner columns (dive's ctrl+b).
    ToggleAttributes,
    /// Leave the search's narrowed tree and go back to the view from before it.
    ClearSearch,
    /// A character typed into the search input.
    Input(char),
    InputBackspace,
    InputSubmit,
    InputCancel,
    /// A click at a terminal cell: selects the pane and the row under it.
    Click {
        column: u16,
        row: u16,
    },
    /// The mouse wheel over a terminal cell; `down` scrolls towards the end.
    Scroll {
        column: u16,
        row: u16,
        down: bool,
    },
    /// Open the file viewer on the selected file (or close it).
    View,
    /// In the viewer: the diff against the file's previous version.
    ViewDiff,
    /// In the viewer: wrap long lines, or cut them.
    ViewWrap,
    /// In the diff UI's viewer: the file as of the other image (A or B).
    ViewSide,
}
