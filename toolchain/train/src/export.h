// The trained model <-> the .avatar contents (docs/avatar-format.md).
#pragma once

#include "being/asset/avatar.h"
#include "being/dataset/dataset.h"
#include "being/train/train.h"
#include "model.h"

namespace being::train::detail {

// The avatar of trained Gaussians (CPU): binding, neutral Gaussians (the binding applied to the
// mean mesh), face mesh, audio configuration and encoder, the source frame's camera, idle loop.
asset::Avatar build_avatar(const Gaussians& gaussians, const dataset::Dataset& data, const asset::FaceMesh& mesh,
                           const TrainOptions& options);

// The model of an avatar's binding and Gaussians (CPU), rendering as it did when trained.
Gaussians gaussians_of(const asset::Avatar& avatar);

}  // namespace being::train::detail
