import t from 'tap';
import { subcommands } from '../src/cli/main.ts';

t.test('the executable names every subcommand of the design', async (t) => {
  t.same(Object.keys(subcommands).sort(), ['agent', 'apiserver', 'local', 'manager']);
});
