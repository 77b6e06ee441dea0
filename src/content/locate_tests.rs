use super::*;
use crate::testutil::{TarBuilder, app_user, image_of};

#[test]
fn a_hardlink_to_a_lower_layer_reads_the_lower_file() {
    let image = image_of(
        vec![
            TarBuilder::new().file("bin/tool", 10),
            TarBuilder::new().hardlink("bin/alias", "bin/tool"),
        ],
        app_user(),
    );
    let snap = Snapshot::at(&image.tree, 1);
    let found = lookup(&image.tree, &snap, b"/bin/alias", true).unwrap();
    let m = member(&image.tree, &snap, found).unwrap();
    assert_eq!(
        (m.layer, m.path.as_slice(), m.occurrence, m.size),
        (0, &b"bin/tool"[..], 0, 10)
    );
}

#[test]
fn devices_have_no_content() {
    let image = image_of(
        vec![TarBuilder::new().special("dev/null", tar::EntryType::Char, 0o666)],
        app_user(),
    );
    let snap = Snapshot::at(&image.tree, 0);
    let found = lookup(&image.tree, &snap, b"dev/null", true).unwrap();
    let err = member(&image.tree, &snap, found).unwrap_err().to_string();
    assert_eq!(
        err,
        "/dev/null is a character device, which has no content to read"
    );
}
