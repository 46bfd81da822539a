//! The pause image of Pods' infra containers ([`PAUSE_IMAGE`]), built on
//! this host from its static `catatonit` (as podman builds its own), so
//! that a Pod runs where no registry is reachable.

use crate::config::kube::{PAUSE_IMAGE, pause_image_tar};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};

/// Builds the pause image when `images` names it and the engine lacks it.
pub fn ensure(engine: &Engine, images: &[String]) -> Result<()> {
    if !images.iter().any(|i| i == PAUSE_IMAGE) {
        return Ok(());
    }
    let inspect = engine.run(&["image".into(), "inspect".into(), PAUSE_IMAGE.into()])?;
    if inspect.success() {
        return Ok(());
    }
    let tar = pause_image_tar().ok_or_else(|| {
        Error::new(
            ErrorKind::Engine,
            format!("the Pods' infra image {PAUSE_IMAGE} is missing and cannot be built: no static catatonit"),
        )
        .with_hint("install catatonit (apt-get install catatonit), which the image is built from")
    })?;
    let path = std::env::temp_dir().join(format!(
        "paunch-pause-{}-{}.tar",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::write(&path, tar).map_err(|e| Error::io("write", &path, e))?;
    let out = engine.run(&[
        "import".into(),
        "--change".into(),
        r#"ENTRYPOINT ["/catatonit", "-P"]"#.into(),
        "--change".into(),
        "LABEL paunch-pause=1".into(),
        path.display().to_string(),
        PAUSE_IMAGE.into(),
    ]);
    let _ = std::fs::remove_file(&path);
    let out = out?;
    if out.success() {
        crate::log::verbose(|| format!("built the infra image {PAUSE_IMAGE}"));
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Engine,
            format!(
                "cannot build the infra image {PAUSE_IMAGE}: {}",
                out.error_text()
            ),
        ))
    }
}
