// Starts GraphiQL (its UMD bundle, with React from the page) on the gateway's /graphql, with the
// worked example and the x-api-key header the server put in #page-config.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('page-config').textContent);
  var fetcher = GraphiQL.createFetcher({ url: new URL(config.endpoint, window.location.href).toString() });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.query,
      query: config.query,
      variables: config.variables,
      headers: config.headers,
      defaultHeaders: config.headers,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: false,
    }),
  );
})();
