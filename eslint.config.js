// Lint and format in one (https://github.com/antfu/eslint-config): `npm run lint`, `npm run lint:fix`.
import antfu from '@antfu/eslint-config'

export default antfu({
  ignores: ['dist/**', '.lambda/**', 'test/fixtures/**', 'templates/**', '**/*.md'],
  rules: {
    // The CLI and the agent talk to the terminal on purpose.
    'no-console': 'off',
    'node/prefer-global/process': 'off',
    'node/prefer-global/buffer': 'off',
    // House style: a guard clause stays on one line (`if (!x) return`), helpers may be arrows.
    'antfu/if-newline': 'off',
    'antfu/top-level-function': 'off',
    'curly': ['error', 'multi-line', 'consistent'],
    'style/max-statements-per-line': ['error', { max: 2 }],
    // The runtime's entry point and benchmarks are scripts: top-level await is what they are for.
    'antfu/no-top-level-await': 'off',
    // Closures that name a function defined below them (handlers wired before they run) are fine.
    'no-use-before-define': ['error', { functions: false, classes: false, variables: false }],
    'ts/no-use-before-define': ['error', { functions: false, classes: false, variables: false }],
    // ANSI escapes and control characters are matched on purpose (terminal output, untrusted names).
    'no-control-regex': 'off',
    // `${BASE_IMAGE}` in Dockerfile text is Docker's syntax, not a forgotten template string.
    'no-template-curly-in-string': 'off',
    'no-cond-assign': ['error', 'except-parens'],
    // Loops that wait for a flag set by a callback or a timer are how tests and the runtime stop.
    'no-unmodified-loop-condition': 'off',
    'jsdoc/require-returns-description': 'off',
    // Test helpers have methods named `call` (a request to a function); they are not Function#call.
    'no-useless-call': 'off',
  },
})
