import { DockerfileModel, Instruction } from './dockerfile-model';

function renderInstruction(instruction: Instruction): string[] {
  const lines: string[] = [];
  if (instruction.comment) lines.push(...instruction.comment.split('\n').map((c) => `# ${c}`));
  lines.push(`${instruction.keyword} ${instruction.args}`);
  return lines;
}

/** The Dockerfile text of a model (without the generated-file header). */
export function renderDockerfile(model: DockerfileModel): string {
  const blocks: string[] = [];
  blocks.push(model.globalArgs.flatMap(renderInstruction).join('\n'));
  for (const stage of model.stages) {
    blocks.push([
      `FROM ${stage.from} AS ${stage.name}`,
      ...stage.instructions.flatMap(renderInstruction),
    ].join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}
