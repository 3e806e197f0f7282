// What is volatile in an Apps Script project's metadata (gas_projects/<name>/project.json),
// declared as data and tested in test/unit/gas.test.ts. The source files themselves are kept
// byte for byte; these rules only touch the metadata beside them.
import type { NormalizationRules } from '../../normalize/rules.js';

export const PROJECT_RULES: NormalizationRules = {
  drop: [
    // The project's update time also moves when a version or deployment is made, which this
    // folder does not hold; a change to the code shows in the files themselves.
    'updateTime',
    // `clasp push` replaces every file of a project, so these move on a push of unchanged code.
    'files[].createTime',
    'files[].updateTime',
    // Addresses of profile photos, which Google rotates.
    '**.photoUrl',
  ],
  // Files stay in the project's order: Apps Script runs the top level of script files in it.
};
