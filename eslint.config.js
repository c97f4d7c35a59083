// ESLint flat config: the browser modules in web/static (the console, the dashboard, the crew
// page) and the node --test unit tests. Vendored and generated files are not ours to lint.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "web/static/vendor/", ".venv/", "var/", "test-artifacts/", "docs/"] },
  js.configs.recommended,
  {
    files: ["web/static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      // Vendored globals (L, io, Chart, SiagaTime) are declared per file with /* global */.
      globals: { ...globals.browser }
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-implicit-globals": "error",
      "no-eval": "error",
      "no-new-func": "error",
      "no-alert": "error"
    }
  },
  {
    // Classic (non-module) scripts: loaded with <script src>, sharing globals on purpose.
    files: ["web/static/common/*.js", "web/static/complaints/*.js"],
    languageOptions: { sourceType: "script" },
    rules: { "no-implicit-globals": "off" }
  },
  {
    files: ["tests/js/**/*.mjs", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } }
  }
];
