#pragma once

// Where DR Console keeps what belongs to this workstation: run journals and the audit trail,
// one folder per profile. drconsole and drctl share it, so a run started in one is seen (and
// can be resumed) in the other.
//
//   $DRCONSOLE_DATA_DIR, else ~/.local/share/drconsole (QStandardPaths::GenericDataLocation)
//     profiles/NAME/journal.sqlite   runs and their steps (core/runbook/runjournal.h)
//     profiles/NAME/audit.sqlite     the hash-chained audit trail (core/audit/audittrail.h)

#include "profile/profile.h"

#include <QString>

namespace dr {

QString dataDir();
// The folder of one profile's workstation data (created on demand by the stores), named after
// the profile's name with anything but [A-Za-z0-9._-] replaced.
QString profileDataDir(const Profile &profile);
// The console's history file (core/history/historystore.h): $DRCONSOLE_HISTORY_FILE, else
// history.sqlite in drconsole's application data folder (~/.local/share/drconsole/drconsole),
// whichever program asks: drctl's reports read the history the console wrote.
QString defaultHistoryPath();

} // namespace dr
