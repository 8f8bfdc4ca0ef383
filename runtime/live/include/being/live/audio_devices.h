// Audio devices through OpenAL Soft (capture listing, errors shared by Microphone and Playback).
// OpenAL Soft picks its backend itself (PulseAudio, ALSA, ...; ALSOFT_DRIVERS=pulse|alsa|null
// forces one).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace being::live {

// A device that cannot be opened or used; the message names the device and what to try.
class AudioDeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Names of the capture devices (microphones, monitor sources), as Microphone accepts them. Uses
// ALC_ENUMERATE_ALL_EXT-style full names where the implementation offers them. Empty when there
// are none (or no OpenAL backend can list them).
std::vector<std::string> capture_devices();
// The name of the device Microphone opens by default; "" when there is none.
std::string default_capture_device();

}  // namespace being::live
