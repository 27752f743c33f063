// The layering rules of the code, checked in `npm test` (npm run check:deps). See ARCHITECTURE.md.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'views-only-types-from-src',
      comment:
        'Views are pure functions of their props: they may import types from src/ (import type), ' +
        'never its code (queries, actions, Hono, the database).',
      severity: 'error',
      from: { path: '^views/' },
      to: { path: '^src/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'actions-not-to-hono',
      comment:
        'An action (src/<capability>/actions.ts) takes the database, the actor and plain input and ' +
        'returns a result or throws a domain error (src/errors.ts): no Hono, no HTTPException.',
      severity: 'error',
      from: { path: '^src/.+/actions\\.ts$' },
      to: { path: '(^|/)node_modules/hono/|^hono($|/)' },
    },
    {
      name: 'actions-not-to-views',
      comment: 'An action returns data, never HTML: rendering is the route\'s job.',
      severity: 'error',
      from: { path: '^src/.+/actions\\.ts$' },
      to: { path: '^views/' },
    },
    {
      name: 'routes-not-to-routes',
      comment:
        'A route file (routes.ts, *-routes.ts) never imports another route file: what two route files ' +
        'share lives in a queries, presenter or pages module, or is passed in from src/app.ts.',
      severity: 'error',
      from: { path: '^src/.*/(routes|[^/]*-routes)\\.ts$' },
      to: { path: '^src/.*/(routes|[^/]*-routes)\\.ts$' },
    },
    {
      name: 'no-circular',
      comment:
        'No import cycles (type-only imports do not count: they vanish when the code is compiled).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'src-not-to-test',
      comment: 'Application code never imports test code.',
      severity: 'error',
      from: { path: '^(src|views)/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-outside-the-repo',
      comment:
        'Nothing imports from outside this repository: every file the code needs is in it.',
      severity: 'error',
      from: {},
      to: { path: '^\\.\\./', pathNot: '(^|/)node_modules/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to no file (a typo, or a file outside the repository).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^cloudflare:' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
