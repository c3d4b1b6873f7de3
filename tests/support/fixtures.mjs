// Notable calls of the backend's seed, under ids that never change (crates/backend/src/fixtures.rs).
export const FIXTURES = {
  /** Single main segment, WAV PCM16, 30 s; Ultravox answers 302. */
  WAV_PCM16: '99b94321-557b-498b-a3e8-d950e6160a39',
  /** Three synced WAV segments: main, transfer_conference, reconnect_to_agent. */
  MULTI_SEGMENT: '32ffa868-8700-423f-b228-89b138bf8b71',
  /** Mixed formats: main MP3 synced, transfer_conference WAV and reconnect_to_agent Opus pending_sync. */
  multiSegmentPending: '7417aa87-a9eb-403a-b9ee-2c0edcfc7fcf',
  /** No Ultravox id (endpoint A 404); endpoint B has a synced MP3 main segment. */
  segmentsOnly: '7e22c0cd-bf32-4cb0-baca-5c49b472bb13',
  /** has_recording = true but the audio is gone: both endpoints 404. */
  missingRecording: '4de21bb8-76af-4475-acf2-dadc2d575817',
  /** A missed call, has_recording = false: both functions answer 404. */
  NO_RECORDING: '3c0b59aa-1252-4378-9ba8-3a204de1dd9e',
  /** Harbor Health Partners' call: invisible to the Northwind reviewer. */
  OTHER_AGENCY: '2faecdb5-0692-4867-abec-924cefb9053a',
};

/** A Northwind user whose email is not confirmed. */
export const UNCONFIRMED_EMAIL = 'unconfirmed@northwind.test';

/** The seed's agencies (crates/backend/src/fixtures.rs). */
export const AGENCIES = {
  /** Northwind Care: the demo agency. */
  NORTHWIND: '3b8da8db-7b51-491e-901d-8be0904a822c',
  /** Harbor Health Partners: another agency. */
  HARBOR: '0b7fc318-1841-4d62-a98b-0ac6aedb7ddb',
};

/** A second confirmed Northwind reviewer: reads the demo reviewer's reviews, cannot edit them. */
export const COLLEAGUE_EMAIL = 'colleague@northwind.test';

/** A reviewer at Harbor Health Partners: sees nothing of Northwind's. */
export const HARBOR_EMAIL = 'reviewer@harbor.test';
