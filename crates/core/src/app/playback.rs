//! Playing a call: its timeline (downloaded files first, else the byte stores), the player
//! and the waveform beside it, the call's analysis, and the player's settings.

use super::{App, AppError, PlayerPreferences};
use crate::analysis::{self, CallAnalysis};
use crate::player::{self, CallTimeline, Command, Player, PlayerControl, PlayerOptions};

impl App {
    /// The player, started on first use at the remembered speed, on the chosen device.
    pub fn player(&self) -> &Player {
        self.player.get_or_init(|| {
            let saved = self
                .preferences
                .as_ref()
                .map(crate::preferences::PreferencesFile::load)
                .unwrap_or_default();
            Player::spawn(PlayerOptions {
                device: saved.output_device,
                speed: saved.speed,
            })
        })
    }

    /// The call's timeline for the signed-in reviewer: downloaded files first, else streamed
    /// (or, offline, what the cache holds whole).
    pub async fn call_timeline(&self, call_id: &str) -> Result<CallTimeline, AppError> {
        let recordings = self.recordings().await?;
        Ok(player::call_timeline(&recordings, self.library()?, &self.http, call_id).await?)
    }

    /// Plays a call from `from` seconds: its timeline into the player, its waveform computed
    /// beside it. Progress comes as player events.
    pub async fn play_call(&self, call_id: &str, from: Option<f64>) -> Result<(), AppError> {
        let asked = std::time::Instant::now();
        let timeline = self.call_timeline(call_id).await?;
        tracing::debug!(
            local = timeline.local_only,
            ms = asked.elapsed().as_secs_f64() * 1e3,
            "play_call: the call's timeline"
        );
        self.waveforms.start_call(call_id, &timeline);
        let player = self.player();
        player.send(Command::Load(timeline.segments))?;
        if let Some(seconds) = from {
            player.send(Command::Seek(seconds))?;
        }
        Ok(player.send(Command::Play)?)
    }

    /// Who is silent when in the call: each channel's speech, the silences, the agent's
    /// response latency at each turn (decoded on a blocking thread).
    pub async fn analyze_call(&self, call_id: &str) -> Result<CallAnalysis, AppError> {
        let timeline = self.call_timeline(call_id).await?;
        let library = std::sync::Arc::clone(self.library()?);
        let call_id = call_id.to_owned();
        let analysed = tokio::task::spawn_blocking(move || {
            analysis::analyze_call(&library, &call_id, &timeline.segments)
        })
        .await
        .map_err(|_| AppError::Stopped {
            what: "the analysis",
        })?;
        Ok(analysed?)
    }

    /// Sends a control; a speed the player accepts is also remembered for the next start.
    pub fn player_control(&self, control: PlayerControl) -> Result<(), AppError> {
        self.player().send(control.into())?;
        // `set_speed` refuses what the player refuses too.
        if let (PlayerControl::Speed { value }, Some(preferences)) = (control, &self.preferences)
            && let Err(error) = preferences.set_speed(value)
        {
            // Playing at the new speed matters more than remembering it.
            tracing::warn!(code = crate::ErrorCode::code(&error), "{error}");
        }
        Ok(())
    }

    /// The remembered speed and device, and the devices there are to choose from (listing
    /// them asks the sound server: on a blocking thread).
    pub async fn player_preferences(&self) -> PlayerPreferences {
        let saved = self
            .preferences
            .as_ref()
            .map(crate::preferences::PreferencesFile::load)
            .unwrap_or_default();
        let devices = tokio::task::spawn_blocking(player::output_devices)
            .await
            .unwrap_or_default();
        PlayerPreferences {
            speed: saved.speed.unwrap_or(1.0),
            output_device: saved.output_device,
            devices,
        }
    }

    /// Plays on `name` from now on (`None`: the system default) and remembers the choice.
    pub fn set_output_device(&self, name: Option<String>) -> Result<(), AppError> {
        if let Some(preferences) = &self.preferences {
            preferences.set_output_device(name.clone())?;
        }
        Ok(self.player().send(Command::OutputDevice(name))?)
    }
}
