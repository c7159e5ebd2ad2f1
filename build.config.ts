import { defineBuildConfig } from 'unbuild'

export default defineBuildConfig({
  entries: ['src/index', 'src/cli/index'],
  declaration: 'node16',
  clean: true,
  rollup: {
    emitCJS: false,
    esbuild: { target: 'node20' },
  },
})
