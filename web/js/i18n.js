// Chinese (简体) by default, English on request; the choice persists in
// localStorage. Static text carries data-i18n="key"; code calls t(key).
// Times are shown in the browser's own time zone.

const STRINGS = {
  zh: {
    'app.title': '交通风险监控',
    'nav.wall': '监控墙', 'nav.alerts': '告警', 'nav.devices': '设备', 'nav.system': '系统',
    'top.sound': '提示音',
    'conn.connecting': '连接中…', 'conn.open': '实时已连接', 'conn.reconnecting': '重连中…',
    'session.admin': '管理员', 'session.viewer': '只读', 'session.none': '未登录',
    'session.open': '无需登录',
    'common.all': '全部', 'common.apply': '筛选', 'common.close': '关闭', 'common.none': '无',
    'common.remove': '删除', 'common.seconds': '秒', 'common.ago': '{n}前',
    'level.none': '无', 'level.low': '低', 'level.medium': '中', 'level.high': '高',
    'level.critical': '严重',
    'wall.layout': '布局', 'wall.hint': '点击画面上方的下拉框选择摄像头；可从设备列表拖入。',
    'wall.choose': '选择摄像头', 'wall.empty': '未选择摄像头', 'wall.waiting': '等待画面…',
    'wall.assessed': '评估', 'wall.notAssessed': '未评估', 'wall.open': '放大',
    'wall.alarm': '未处理高风险告警', 'wall.enterId': '输入摄像头编号…',
    'status.0': '离线', 'status.1': '在线', 'status.2': '故障', 'status.starting': '启动中',
    'alerts.camera': '摄像头', 'alerts.level': '等级', 'alerts.handled': '状态',
    'alerts.unhandled': '未处理', 'alerts.handledState': '已处理', 'alerts.since': '从',
    'alerts.until': '到', 'alerts.thumb': '画面', 'alerts.types': '风险类型',
    'alerts.time': '时间', 'alerts.description': '描述', 'alerts.handling': '处理',
    'alerts.more': '加载更多', 'alerts.empty': '暂无告警', 'alerts.ack': '标记已处理',
    'alerts.note': '处理备注', 'alerts.confirm': '确认', 'alerts.by': '{by} 于 {at}',
    'alerts.new': '新的高风险告警：{camera}',
    'devices.id': '编号', 'devices.name': '名称', 'devices.url': '地址',
    'devices.detector': '检测器', 'devices.defaultDetector': '默认', 'devices.interval': '间隔(秒)',
    'devices.add': '添加', 'devices.checkAll': '全部检测', 'devices.status': '状态',
    'devices.dropped': '丢帧', 'devices.lastFrame': '最新帧', 'devices.check': '检测',
    'devices.owner': '节点', 'devices.noOwner': '无',
    'devices.added': '已添加摄像头 {id}', 'devices.removed': '已删除摄像头 {id}',
    'devices.online': '在线 {ms} ms', 'devices.offline': '离线', 'devices.checking': '检测中…',
    'devices.confirmRemove': '删除摄像头 {id}？',
    'system.health': '健康状态', 'system.summary': '近15分钟', 'system.keys': '密钥池',
    'system.callsPerMin': '调用/分钟', 'system.latency': '延迟 p50 / p95 (ms)',
    'system.alertsByLevel': '告警（按等级）', 'system.unavailable': '不可用：{reason}',
    'system.schedulerElsewhere': '本进程不运行调度器：每个 tmon schedule 在其运维端口提供密钥池（/api/scheduler/stats）和 /metrics。',
    'system.key': '密钥', 'system.status': '状态', 'system.inFlight': '进行中',
    'system.cooldown': '冷却剩余', 'system.successRate': '成功率', 'system.permits': '剩余许可 秒/分',
    'system.rateLimited': '429', 'system.lag': 'Kafka 积压', 'system.component': '组件',
    'system.detail': '详情', 'system.links': '链接',
    'detail.groups': '分组', 'detail.objects': '目标', 'detail.class': '类别',
    'detail.confidence': '置信度', 'detail.processTime': '检测耗时',
    'detail.model': '模型', 'detail.llm': '大模型', 'detail.latency': '延迟：采集 → 检测 → 评估',
    'error.network': '网络错误：{message}',
  },
  en: {
    'app.title': 'Traffic risk monitor',
    'nav.wall': 'Wall', 'nav.alerts': 'Alerts', 'nav.devices': 'Devices', 'nav.system': 'System',
    'top.sound': 'Sound',
    'conn.connecting': 'Connecting…', 'conn.open': 'Live', 'conn.reconnecting': 'Reconnecting…',
    'session.admin': 'Admin', 'session.viewer': 'Viewer', 'session.none': 'Not signed in',
    'session.open': 'No login needed',
    'common.all': 'All', 'common.apply': 'Apply', 'common.close': 'Close', 'common.none': 'None',
    'common.remove': 'Remove', 'common.seconds': 's', 'common.ago': '{n} ago',
    'level.none': 'none', 'level.low': 'low', 'level.medium': 'medium', 'level.high': 'high',
    'level.critical': 'critical',
    'wall.layout': 'Layout', 'wall.hint': 'Pick a camera from the menu above each tile, or drag one from the list below.',
    'wall.choose': 'Choose a camera', 'wall.empty': 'No camera', 'wall.waiting': 'Waiting for frames…',
    'wall.assessed': 'assessed', 'wall.notAssessed': 'not assessed', 'wall.open': 'Open',
    'wall.alarm': 'Unhandled high-risk alert', 'wall.enterId': 'Enter a camera id…',
    'status.0': 'offline', 'status.1': 'online', 'status.2': 'fault', 'status.starting': 'starting',
    'alerts.camera': 'Camera', 'alerts.level': 'Level', 'alerts.handled': 'State',
    'alerts.unhandled': 'Unhandled', 'alerts.handledState': 'Handled', 'alerts.since': 'From',
    'alerts.until': 'To', 'alerts.thumb': 'Frame', 'alerts.types': 'Risk types',
    'alerts.time': 'Time', 'alerts.description': 'Description', 'alerts.handling': 'Handling',
    'alerts.more': 'Load more', 'alerts.empty': 'No alerts', 'alerts.ack': 'Mark handled',
    'alerts.note': 'Note', 'alerts.confirm': 'Confirm', 'alerts.by': '{by} at {at}',
    'alerts.new': 'New high-risk alert: {camera}',
    'devices.id': 'Id', 'devices.name': 'Name', 'devices.url': 'URL',
    'devices.detector': 'Detector', 'devices.defaultDetector': 'default', 'devices.interval': 'Interval (s)',
    'devices.add': 'Add', 'devices.checkAll': 'Check all', 'devices.status': 'Status',
    'devices.dropped': 'Dropped', 'devices.lastFrame': 'Last frame', 'devices.check': 'Check',
    'devices.owner': 'Owner', 'devices.noOwner': 'none',
    'devices.added': 'Camera {id} added', 'devices.removed': 'Camera {id} removed',
    'devices.online': 'online {ms} ms', 'devices.offline': 'offline', 'devices.checking': 'checking…',
    'devices.confirmRemove': 'Remove camera {id}?',
    'system.health': 'Health', 'system.summary': 'Last 15 minutes', 'system.keys': 'Key pool',
    'system.callsPerMin': 'Calls / min', 'system.latency': 'Latency p50 / p95 (ms)',
    'system.alertsByLevel': 'Alerts by level', 'system.unavailable': 'Unavailable: {reason}',
    'system.schedulerElsewhere': 'No scheduler runs in this process: each tmon schedule serves its key pool at /api/scheduler/stats on its ops port, and in /metrics.',
    'system.key': 'Key', 'system.status': 'Status', 'system.inFlight': 'In flight',
    'system.cooldown': 'Cooldown left', 'system.successRate': 'Success', 'system.permits': 'Permits s/min',
    'system.rateLimited': '429s', 'system.lag': 'Kafka lag', 'system.component': 'Component',
    'system.detail': 'Detail', 'system.links': 'Links',
    'detail.groups': 'Groups', 'detail.objects': 'Objects', 'detail.class': 'Class',
    'detail.confidence': 'Confidence', 'detail.processTime': 'Detection time',
    'detail.model': 'Model', 'detail.llm': 'LLM', 'detail.latency': 'Latency: capture → detected → assessed',
    'error.network': 'Network error: {message}',
  },
};

const KEY = 'tmon.lang';
let lang = localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
const listeners = new Set();

export function currentLang() { return lang; }

export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : ''));
}

export function applyI18n(root = document) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  document.title = 'tmon · ' + t('app.title');
}

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  localStorage.setItem(KEY, lang);
  applyI18n();
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) { listeners.add(fn); }

// A time in the browser's zone, in the chosen language.
export function fmtTime(ms) {
  if (!ms) return '—';
  return new Date(ms).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
}

// "3 s", "2 min", "1 h": how long ago, short.
export function fmtAge(ms) {
  if (ms == null || !isFinite(ms)) return '—';
  const s = Math.max(0, ms / 1000);
  let n;
  if (s < 60) n = lang === 'zh' ? `${s.toFixed(s < 10 ? 1 : 0)}秒` : `${s.toFixed(s < 10 ? 1 : 0)} s`;
  else if (s < 3600) n = lang === 'zh' ? `${Math.round(s / 60)}分钟` : `${Math.round(s / 60)} min`;
  else n = lang === 'zh' ? `${Math.round(s / 3600)}小时` : `${Math.round(s / 3600)} h`;
  return t('common.ago', { n });
}

export function levelName(level) { return t('level.' + (level || 'none')); }
