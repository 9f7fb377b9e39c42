// The Kubernetes protobuf messages the embedded server decodes, written from the field numbers of
// Kubernetes' generated.proto files (k8s.io/api, k8s.io/apimachinery) and built as protobufjs reflection
// types. Only the kinds our users create with kubectl's typed clients (and their nested types) are here;
// a field not listed is refused by the decoder (never silently dropped). See docs/apiserver.md.
//
// One line per message: `Name: jsonName=number:type ...`. type: s string (default), i32, i64, b bool,
// y bytes, or a message name; `[]T` repeated, `{}T` map<string,T>. Flags after the type: `*` the Go
// field is a pointer (its zero value is kept, not dropped as omitempty), `^` the Go struct is embedded
// (its fields appear inline in JSON). `Skip` messages (status) are read and dropped: create and update
// ignore status for these kinds.
import protobuf from 'protobufjs';

const DEFS = `
Time: seconds=1:i64 nanos=2:i32
MicroTime: seconds=1:i64 nanos=2:i32
IntOrString: type=1:i64 intVal=2:i32 strVal=3
Quantity: string=1
FieldsV1: Raw=1:y
Skip:
TypeMeta: apiVersion=1 kind=2
Unknown: typeMeta=1:TypeMeta raw=2:y contentEncoding=3 contentType=4
OwnerReference: kind=1 name=3 uid=4 apiVersion=5 controller=6:b* blockOwnerDeletion=7:b*
ManagedFieldsEntry: manager=1 operation=2 apiVersion=3 time=4:Time* fieldsType=6 fieldsV1=7:FieldsV1* subresource=8
ObjectMeta: name=1 generateName=2 namespace=3 selfLink=4 uid=5 resourceVersion=6 generation=7:i64 creationTimestamp=8:Time deletionTimestamp=9:Time* deletionGracePeriodSeconds=10:i64* labels=11:{}s annotations=12:{}s ownerReferences=13:[]OwnerReference finalizers=14:[]s managedFields=17:[]ManagedFieldsEntry
LabelSelectorRequirement: key=1 operator=2 values=3:[]s
LabelSelector: matchLabels=1:{}s matchExpressions=2:[]LabelSelectorRequirement
Preconditions: uid=1:s* resourceVersion=2:s*
DeleteOptions: gracePeriodSeconds=1:i64* preconditions=2:Preconditions* orphanDependents=3:b* propagationPolicy=4:s* dryRun=5:[]s
NamespaceSpec: finalizers=1:[]s
Namespace: metadata=1:ObjectMeta spec=2:NamespaceSpec status=3:Skip
ConfigMap: metadata=1:ObjectMeta data=2:{}s binaryData=3:{}y immutable=4:b*
Secret: metadata=1:ObjectMeta data=2:{}y type=3 stringData=4:{}s immutable=5:b*
ObjectReference: kind=1 namespace=2 name=3 uid=4 apiVersion=5 resourceVersion=6 fieldPath=7
LocalObjectReference: name=1
ServiceAccount: metadata=1:ObjectMeta secrets=2:[]ObjectReference imagePullSecrets=3:[]LocalObjectReference automountServiceAccountToken=4:b*
ServicePort: name=1 protocol=2 port=3:i32 targetPort=4:IntOrString nodePort=5:i32 appProtocol=6:s*
ClientIPConfig: timeoutSeconds=1:i32*
SessionAffinityConfig: clientIP=1:ClientIPConfig*
ServiceSpec: ports=1:[]ServicePort selector=2:{}s clusterIP=3 type=4 externalIPs=5:[]s sessionAffinity=7 loadBalancerIP=8 loadBalancerSourceRanges=9:[]s externalName=10 externalTrafficPolicy=11 healthCheckNodePort=12:i32 publishNotReadyAddresses=13:b sessionAffinityConfig=14:SessionAffinityConfig* ipFamilyPolicy=17:s* clusterIPs=18:[]s ipFamilies=19:[]s allocateLoadBalancerNodePorts=20:b* loadBalancerClass=21:s* internalTrafficPolicy=22:s*
Service: metadata=1:ObjectMeta spec=2:ServiceSpec status=3:Skip
EventSource: component=1 host=2
EventSeries: count=1:i32 lastObservedTime=2:MicroTime
Event: metadata=1:ObjectMeta involvedObject=2:ObjectReference reason=3 message=4 source=5:EventSource firstTimestamp=6:Time lastTimestamp=7:Time count=8:i32 type=9 eventTime=10:MicroTime series=11:EventSeries* action=12 related=13:ObjectReference* reportingComponent=14 reportingInstance=15
LeaseSpec: holderIdentity=1:s* leaseDurationSeconds=2:i32* acquireTime=3:MicroTime* renewTime=4:MicroTime* leaseTransitions=5:i32*
Lease: metadata=1:ObjectMeta spec=2:LeaseSpec
PolicyRule: verbs=1:[]s apiGroups=2:[]s resources=3:[]s resourceNames=4:[]s nonResourceURLs=5:[]s
AggregationRule: clusterRoleSelectors=1:[]LabelSelector
Role: metadata=1:ObjectMeta rules=2:[]PolicyRule
ClusterRole: metadata=1:ObjectMeta rules=2:[]PolicyRule aggregationRule=3:AggregationRule*
Subject: kind=1 apiGroup=2 name=3 namespace=4
RoleRef: apiGroup=1 kind=2 name=3
RoleBinding: metadata=1:ObjectMeta subjects=2:[]Subject roleRef=3:RoleRef
ClusterRoleBinding: metadata=1:ObjectMeta subjects=2:[]Subject roleRef=3:RoleRef
PodDisruptionBudgetSpec: minAvailable=1:IntOrString* selector=2:LabelSelector* maxUnavailable=3:IntOrString* unhealthyPodEvictionPolicy=4:s*
PodDisruptionBudget: metadata=1:ObjectMeta spec=2:PodDisruptionBudgetSpec status=3:Skip
Capabilities: add=1:[]s drop=2:[]s
SeccompProfile: type=1 localhostProfile=2:s*
SecurityContext: capabilities=1:Capabilities* privileged=2:b* runAsUser=4:i64* runAsNonRoot=5:b* readOnlyRootFilesystem=6:b* allowPrivilegeEscalation=7:b* runAsGroup=8:i64* procMount=9:s* seccompProfile=11:SeccompProfile*
PodSecurityContext: runAsUser=2:i64* runAsNonRoot=3:b* supplementalGroups=4:[]i64 fsGroup=5:i64* runAsGroup=6:i64* fsGroupChangePolicy=9:s* seccompProfile=10:SeccompProfile*
ContainerPort: name=1 hostPort=2:i32 containerPort=3:i32 protocol=4 hostIP=5
ObjectFieldSelector: apiVersion=1 fieldPath=2
ResourceFieldSelector: containerName=1 resource=2 divisor=3:Quantity
ConfigMapKeySelector: localObjectReference=1:LocalObjectReference^ key=2 optional=3:b*
SecretKeySelector: localObjectReference=1:LocalObjectReference^ key=2 optional=3:b*
EnvVarSource: fieldRef=1:ObjectFieldSelector* resourceFieldRef=2:ResourceFieldSelector* configMapKeyRef=3:ConfigMapKeySelector* secretKeyRef=4:SecretKeySelector*
EnvVar: name=1 value=2 valueFrom=3:EnvVarSource*
ConfigMapEnvSource: localObjectReference=1:LocalObjectReference^ optional=2:b*
SecretEnvSource: localObjectReference=1:LocalObjectReference^ optional=2:b*
EnvFromSource: prefix=1 configMapRef=2:ConfigMapEnvSource* secretRef=3:SecretEnvSource*
ResourceRequirements: limits=1:{}Quantity requests=2:{}Quantity
VolumeMount: name=1 readOnly=2:b mountPath=3 subPath=4 mountPropagation=5:s* subPathExpr=6
ExecAction: command=1:[]s
HTTPHeader: name=1 value=2
HTTPGetAction: path=1 port=2:IntOrString host=3 scheme=4 httpHeaders=5:[]HTTPHeader
TCPSocketAction: port=1:IntOrString host=2
GRPCAction: port=1:i32 service=2:s*
ProbeHandler: exec=1:ExecAction* httpGet=2:HTTPGetAction* tcpSocket=3:TCPSocketAction* grpc=4:GRPCAction*
Probe: handler=1:ProbeHandler^ initialDelaySeconds=2:i32 timeoutSeconds=3:i32 periodSeconds=4:i32 successThreshold=5:i32 failureThreshold=6:i32 terminationGracePeriodSeconds=7:i64*
LifecycleHandler: exec=1:ExecAction* httpGet=2:HTTPGetAction* tcpSocket=3:TCPSocketAction*
Lifecycle: postStart=1:LifecycleHandler* preStop=2:LifecycleHandler*
Container: name=1 image=2 command=3:[]s args=4:[]s workingDir=5 ports=6:[]ContainerPort env=7:[]EnvVar resources=8:ResourceRequirements volumeMounts=9:[]VolumeMount livenessProbe=10:Probe* readinessProbe=11:Probe* lifecycle=12:Lifecycle* terminationMessagePath=13 imagePullPolicy=14 securityContext=15:SecurityContext* stdin=16:b stdinOnce=17:b tty=18:b envFrom=19:[]EnvFromSource terminationMessagePolicy=20 startupProbe=22:Probe*
KeyToPath: key=1 path=2 mode=3:i32*
EmptyDirVolumeSource: medium=1 sizeLimit=2:Quantity*
SecretVolumeSource: secretName=1 items=2:[]KeyToPath defaultMode=3:i32* optional=4:b*
ConfigMapVolumeSource: localObjectReference=1:LocalObjectReference^ items=2:[]KeyToPath defaultMode=3:i32* optional=4:b*
PersistentVolumeClaimVolumeSource: claimName=1 readOnly=2:b
VolumeSource: emptyDir=2:EmptyDirVolumeSource* secret=6:SecretVolumeSource* persistentVolumeClaim=10:PersistentVolumeClaimVolumeSource* configMap=19:ConfigMapVolumeSource*
Volume: name=1 volumeSource=2:VolumeSource^
Toleration: key=1 operator=2 value=3 effect=4 tolerationSeconds=5:i64*
PodSpec: volumes=1:[]Volume containers=2:[]Container restartPolicy=3 terminationGracePeriodSeconds=4:i64* activeDeadlineSeconds=5:i64* dnsPolicy=6 nodeSelector=7:{}s serviceAccountName=8 serviceAccount=9 nodeName=10 hostNetwork=11:b hostPID=12:b hostIPC=13:b securityContext=14:PodSecurityContext* imagePullSecrets=15:[]LocalObjectReference hostname=16 subdomain=17 schedulerName=19 initContainers=20:[]Container automountServiceAccountToken=21:b* tolerations=22:[]Toleration priorityClassName=24 priority=25:i32* shareProcessNamespace=27:b* runtimeClassName=29:s* enableServiceLinks=30:b* preemptionPolicy=31:s*
PodTemplateSpec: metadata=1:ObjectMeta spec=2:PodSpec
Pod: metadata=1:ObjectMeta spec=2:PodSpec status=3:Skip
RollingUpdateDeployment: maxUnavailable=1:IntOrString* maxSurge=2:IntOrString*
DeploymentStrategy: type=1 rollingUpdate=2:RollingUpdateDeployment*
DeploymentSpec: replicas=1:i32* selector=2:LabelSelector* template=3:PodTemplateSpec strategy=4:DeploymentStrategy minReadySeconds=5:i32 revisionHistoryLimit=6:i32* paused=7:b progressDeadlineSeconds=9:i32*
Deployment: metadata=1:ObjectMeta spec=2:DeploymentSpec status=3:Skip
TypedLocalObjectReference: apiGroup=1:s* kind=2 name=3
PersistentVolumeClaimSpec: accessModes=1:[]s resources=2:ResourceRequirements volumeName=3 selector=4:LabelSelector* storageClassName=5:s* volumeMode=6:s* dataSource=7:TypedLocalObjectReference*
PersistentVolumeClaim: metadata=1:ObjectMeta spec=2:PersistentVolumeClaimSpec status=3:Skip
RollingUpdateStatefulSetStrategy: partition=1:i32* maxUnavailable=2:IntOrString*
StatefulSetUpdateStrategy: type=1 rollingUpdate=2:RollingUpdateStatefulSetStrategy*
StatefulSetPersistentVolumeClaimRetentionPolicy: whenDeleted=1 whenScaled=2
StatefulSetOrdinals: start=1:i32
StatefulSetSpec: replicas=1:i32* selector=2:LabelSelector* template=3:PodTemplateSpec volumeClaimTemplates=4:[]PersistentVolumeClaim serviceName=5 podManagementPolicy=6 updateStrategy=7:StatefulSetUpdateStrategy revisionHistoryLimit=8:i32* minReadySeconds=9:i32 persistentVolumeClaimRetentionPolicy=10:StatefulSetPersistentVolumeClaimRetentionPolicy* ordinals=11:StatefulSetOrdinals*
StatefulSet: metadata=1:ObjectMeta spec=2:StatefulSetSpec status=3:Skip
ServiceReference: namespace=1 name=2 path=3:s* port=4:i32*
WebhookClientConfig: service=1:ServiceReference* caBundle=2:y url=3:s*
Rule: apiGroups=1:[]s apiVersions=2:[]s resources=3:[]s scope=4:s*
RuleWithOperations: operations=1:[]s rule=2:Rule^
ValidatingWebhook: name=1 clientConfig=2:WebhookClientConfig rules=3:[]RuleWithOperations failurePolicy=4:s* namespaceSelector=5:LabelSelector* sideEffects=6:s* timeoutSeconds=7:i32* admissionReviewVersions=8:[]s matchPolicy=9:s* objectSelector=10:LabelSelector*
MutatingWebhook: name=1 clientConfig=2:WebhookClientConfig rules=3:[]RuleWithOperations failurePolicy=4:s* namespaceSelector=5:LabelSelector* sideEffects=6:s* timeoutSeconds=7:i32* admissionReviewVersions=8:[]s matchPolicy=9:s* reinvocationPolicy=10:s* objectSelector=11:LabelSelector*
ValidatingWebhookConfiguration: metadata=1:ObjectMeta webhooks=2:[]ValidatingWebhook
MutatingWebhookConfiguration: metadata=1:ObjectMeta webhooks=2:[]MutatingWebhook
`;

/** How a field maps to JSON beyond its protobuf type. */
export interface FieldMeta {
  /** Go pointer: present means set, so a zero value stays in the JSON. */
  pointer: boolean;
  /** Go embedded struct: its fields are merged into the parent object. */
  inline: boolean;
}

const SCALARS: Record<string, string> = { s: 'string', i32: 'int32', i64: 'int64', b: 'bool', y: 'bytes' };

function addField(type: protobuf.Type, spec: string, meta: Map<string, FieldMeta>): void {
  const m = /^(\w+)=(\d+)(?::(\[\]|\{\})?(\w+))?([*^]?)$/.exec(spec);
  if (!m) throw new Error(`bad field spec ${spec} in ${type.name}`);
  const [, name, num, shape, rawType, flag] = m as unknown as [
    string,
    string,
    string,
    string | undefined,
    string | undefined,
    string,
  ];
  const t = SCALARS[rawType ?? 's'] ?? rawType!;
  const id = Number(num);
  if (shape === '{}') type.add(new protobuf.MapField(name, id, 'string', t));
  else type.add(new protobuf.Field(name, id, t, shape === '[]' ? 'repeated' : 'optional'));
  meta.set(`${type.name}.${name}`, { pointer: flag === '*', inline: flag === '^' });
}

function build(): { root: protobuf.Root; meta: Map<string, FieldMeta> } {
  const root = new protobuf.Root();
  const meta = new Map<string, FieldMeta>();
  for (const line of DEFS.split('\n').filter((l) => l.trim())) {
    const name = line.slice(0, line.indexOf(':'));
    const type = new protobuf.Type(name);
    const fields = line.slice(name.length + 1).trim();
    for (const f of fields ? fields.split(/\s+/) : []) addField(type, f, meta);
    root.add(type);
  }
  root.resolveAll();
  return { root, meta };
}

let built: ReturnType<typeof build> | undefined;

/** The message type named `name` (a Kind, or a nested type), or undefined when not defined. */
export function messageType(name: string): protobuf.Type | undefined {
  built ??= build();
  const t = built.root.lookup(name);
  return t instanceof protobuf.Type ? t : undefined;
}

/** JSON mapping flags of `Type.field`. */
export function fieldMeta(typeName: string, field: string): FieldMeta {
  built ??= build();
  return built.meta.get(`${typeName}.${field}`) ?? { pointer: false, inline: false };
}
