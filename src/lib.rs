//! plummet: open a container image layer by layer, see what is inside, and learn what to trim.
